package io.cloaca.engine.cron;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.store.ExecutionStore;
import io.cloaca.engine.store.RowIds;
import io.cloaca.engine.workflow.WorkflowRegistry;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/**
 * A runner's cron schedules: register, list, change and delete them, read their history, and (through
 * the runner's {@link TimedScheduler}) fire them at their instants. Obtained from {@code Runner.cron()};
 * each runner (each tenant schema) has its own, over the schedules stored in its schema.
 *
 * <pre>{@code
 * String id = runner.cron().register("nightly_report", "30 2 * * *", "Europe/Berlin");
 * runner.cron().history(id, 10, 0).forEach(System.out::println);
 * }</pre>
 *
 * <p>Every method throws {@link CloacaException}: ILLEGAL_STATE "Cron scheduling not enabled. ..." when
 * the runner's {@link CronConfig} disables cron; INVALID_ARGUMENT for a bad expression, zone, id,
 * policy or page; NOT_FOUND for an unknown schedule or workflow; STORAGE when the database fails.
 */
public final class CronSchedules {

    /** Upstream's default page size for lists and histories. */
    public static final int DEFAULT_LIMIT = 100;

    private final CronStore store;
    private final WorkflowRegistry registry;
    private final CronConfig config;
    private final Clock clock;
    private final TimedScheduler scheduler;
    private final CronFirer firer;

    /**
     * @param enqueue queues a ready task of an execution the scheduler created, on the runner's workers
     * @param scheduler the runner's due-work scheduler, shared with event triggers; the firer joins it
     *                  when {@code config} enables cron
     */
    public CronSchedules(CronStore store, ExecutionStore executions, WorkflowRegistry registry, CronConfig config,
                         Clock clock, String runnerId, Consumer<String> enqueue, TimedScheduler scheduler) {
        this.store = store;
        this.registry = registry;
        this.config = config;
        this.clock = clock;
        this.scheduler = scheduler;
        this.firer = new CronFirer(store, executions, registry, config, runnerId, enqueue);
        if (config.enabled()) {
            scheduler.add(firer);
        }
    }

    /**
     * Stops the runner's background scheduler, which fires cron schedules and polls event triggers; a
     * run in progress completes first. Idempotent. {@link #runDue()} (and the triggers' own
     * {@code runDue()}) still work, so a test can stop the background and fire only when it asks.
     */
    public void stop() {
        scheduler.stop();
    }

    public CronConfig config() {
        return config;
    }

    /** {@link #register(String, String, String, CatchupPolicy)} with the {@code skip} policy. */
    public String register(String workflowName, String expression, String timezone) {
        return register(workflowName, expression, timezone, CatchupPolicy.SKIP);
    }

    /**
     * Stores an enabled schedule whose first instant is the first match strictly after now.
     *
     * @return the new schedule's id (a lowercase UUID)
     * @throws CloacaException NOT_FOUND "Workflow not found in registry: name" for a workflow this
     *     runner cannot run (upstream did not check; a schedule that can never fire is a mistake)
     */
    public String register(String workflowName, String expression, String timezone, CatchupPolicy policy) {
        ensureEnabled();
        CronRule rule = CronRule.parse(expression, timezone);
        registry.get(workflowName);
        long now = clock.millis();
        String id = RowIds.next();
        store.insert(new CronSchedule(id, workflowName, rule.expression(), timezone, true, policy,
                nextAfter(rule, now), null, now, now));
        scheduler.wake();
        return id;
    }

    /** Schedules ordered by workflow name. */
    public List<CronSchedule> list(boolean enabledOnly, int limit, int offset) {
        ensureEnabled();
        return store.list(enabledOnly, page("limit", limit), page("offset", offset));
    }

    /** @throws CloacaException NOT_FOUND (upstream's "Record not found") for an unknown id */
    public CronSchedule get(String scheduleId) {
        ensureEnabled();
        return store.find(id(scheduleId)).orElseThrow(() -> notFound(scheduleId));
    }

    /**
     * Replaces expression and zone (and the policy, unless null) and recomputes the next instant from now.
     */
    public void update(String scheduleId, String expression, String timezone, CatchupPolicy policy) {
        ensureEnabled();
        CronRule rule = CronRule.parse(expression, timezone);
        CronSchedule current = get(scheduleId);
        long now = clock.millis();
        if (!store.update(current.id(), rule.expression(), timezone, policy == null ? current.catchupPolicy() : policy,
                nextAfter(rule, now), now)) {
            throw notFound(scheduleId);
        }
        scheduler.wake();
    }

    /**
     * Enables or disables a schedule. Enabling computes the next instant from now: the instants that
     * passed while it was disabled are not missed runs.
     */
    public void setEnabled(String scheduleId, boolean enabled) {
        ensureEnabled();
        CronSchedule current = get(scheduleId);
        long now = clock.millis();
        Long next = enabled && !current.enabled() ? nextAfter(current.rule(), now) : null;
        if (!store.setEnabled(current.id(), enabled, next, now)) {
            throw notFound(scheduleId);
        }
        scheduler.wake();
    }

    /** Deletes a schedule and its history (the executions it started stay). */
    public void delete(String scheduleId) {
        ensureEnabled();
        if (!store.delete(id(scheduleId))) {
            throw notFound(scheduleId);
        }
        scheduler.wake();
    }

    /** A schedule's claimed instants, newest first. */
    public List<CronExecution> history(String scheduleId, int limit, int offset) {
        ensureEnabled();
        String id = get(scheduleId).id();
        return store.history(id, page("limit", limit), page("offset", offset));
    }

    /** Counts over the instants claimed since {@code since}. */
    public CronStats stats(Instant since) {
        ensureEnabled();
        return store.stats(since.toEpochMilli());
    }

    /**
     * Fires everything due at the clock's current time on the calling thread and returns how many
     * schedules it claimed: the deterministic entry point for tests driving a settable clock. Event
     * triggers are not polled by this call.
     */
    public int runDue() {
        ensureEnabled();
        return scheduler.runNow(firer);
    }

    private static long nextAfter(CronRule rule, long now) {
        Instant next = rule.nextAfter(Instant.ofEpochMilli(now));
        if (next == null) {
            throw CloacaException.invalidArgument("Invalid cron expression or timezone: cron expression '"
                    + rule.expression() + "' never fires again");
        }
        return next.toEpochMilli();
    }

    private void ensureEnabled() {
        if (!config.enabled()) {
            throw CloacaException.illegalState("Cron scheduling not enabled. Use enable_cron_scheduling=True in"
                    + " DefaultRunnerConfig (Java: RunnerConfig.builder().cron(...)).");
        }
    }

    /** @throws CloacaException INVALID_ARGUMENT "Invalid schedule ID: ..." unless {@code id} is a UUID */
    static String id(String id) {
        return RowIds.canonical(id).orElseThrow(() -> invalidId(id));
    }

    private static CloacaException invalidId(String id) {
        return CloacaException.invalidArgument("Invalid schedule ID: '" + id + "' is not a UUID"
                + " (expected 8-4-4-4-12 hexadecimal digits, as register returns)");
    }

    private static CloacaException notFound(String id) {
        return CloacaException.notFound("Pipeline execution failed: Failed to get cron schedule: Database error:"
                + " Record not found (no cron schedule with id '" + id + "')");
    }

    private static int page(String name, int value) {
        if (value < 0) {
            throw CloacaException.invalidArgument(name + " must not be negative, got " + value);
        }
        return value;
    }
}
