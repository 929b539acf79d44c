package io.cloaca.engine.trigger;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.cron.TimedScheduler;
import io.cloaca.engine.store.ExecutionStore;
import io.cloaca.engine.workflow.WorkflowRegistry;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A runner's event triggers: define them, list them, enable or disable them, read their history; the
 * runner's {@link TimedScheduler} (the one cron uses) polls them when due. Obtained from
 * {@code Runner.triggers()}.
 *
 * <pre>{@code
 * runner.triggers().register(TriggerDefinition.every("new_files", "ingest", "500ms", false, () ->
 *         inbox.poll() instanceof Path p ? TriggerResult.fire(Context.empty().set("path", p.toString()))
 *                                        : TriggerResult.skip()));
 * runner.triggers().history("new_files", 10, 0).forEach(System.out::println);
 * }</pre>
 *
 * <p>The poll function lives in this process; the trigger's row (next poll time, enabled flag,
 * history) lives in the database and is shared by every process that defines the same trigger, so
 * that they poll it once per interval between them. Every method throws {@link CloacaException}:
 * INVALID_ARGUMENT for a bad value, NOT_FOUND for an unknown trigger or workflow, STORAGE when the
 * database fails.
 */
public final class TriggerSchedules {

    /** Upstream's default page size. */
    public static final int DEFAULT_LIMIT = 100;
    private static final AtomicInteger POLL_THREADS = new AtomicInteger();

    private final TriggerStore store;
    private final WorkflowRegistry registry;
    private final Clock clock;
    private final TimedScheduler scheduler;
    private final Map<String, TriggerDefinition> definitions = new ConcurrentHashMap<>();
    private final ExecutorService polls;
    private final TriggerPoller poller;

    /**
     * @param enqueue   queues a ready task of an execution a trigger created, on the runner's workers
     * @param scheduler the runner's due-work scheduler, shared with cron; the poller joins it when
     *                  {@code config} enables triggers
     * @param watchdogs where poll timeouts are timed
     */
    public TriggerSchedules(TriggerStore store, ExecutionStore executions, WorkflowRegistry registry,
                            TriggerConfig config, Clock clock, String runnerId, Consumer<String> enqueue,
                            TimedScheduler scheduler, ScheduledExecutorService watchdogs) {
        this.store = store;
        this.registry = registry;
        this.clock = clock;
        this.scheduler = scheduler;
        // Polls may block (a poll of a remote service, a script's sleep): each gets a thread, so none waits
        // for another; idle threads go after a minute.
        this.polls = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "cloaca-trigger-poll-" + POLL_THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.poller = new TriggerPoller(store, executions, registry, config, clock, runnerId, enqueue, definitions,
                polls, watchdogs);
        poller.onIdle(scheduler::wake);
        if (config.enabled()) {
            scheduler.add(poller);
        }
    }

    /**
     * Defines (or redefines) a trigger in this runner and creates its row, enabled and due at once, if
     * the database has none.
     *
     * @throws CloacaException NOT_FOUND "Trigger 'name' is bound to workflow 'w', which is not registered
     *     ..." for a workflow this runner cannot run
     */
    public void register(TriggerDefinition trigger) {
        if (registry.find(trigger.workflowName()).isEmpty()) {
            throw CloacaException.notFound("Trigger '" + trigger.name() + "' is bound to workflow '"
                    + trigger.workflowName() + "', which is not registered (Workflow not found in registry: "
                    + trigger.workflowName() + ")");
        }
        declare(trigger);
    }

    /**
     * As {@link #register}, for hosts whose workflows may be defined after their triggers (a Python
     * script): until the workflow is registered, the trigger is not polled, and its history records
     * that once.
     */
    public void declare(TriggerDefinition trigger) {
        long now = clock.millis();
        long first = trigger.timing() instanceof TriggerTiming.AtCron ? trigger.timing().nextAfter(now, now) : now;
        store.upsert(trigger, first, now);
        definitions.put(trigger.name(), trigger);
        scheduler.wake();
    }

    /**
     * Stops polling a trigger defined here (a REPL redefining its script, a test cleaning up). Its row
     * and history stay, and other processes that define it go on polling it.
     */
    public void forget(String name) {
        definitions.remove(name);
    }

    /** The triggers defined in this runner, by name. */
    public Map<String, TriggerDefinition> definitions() {
        return Map.copyOf(definitions);
    }

    /** The trigger rows of this database (those other processes defined too), ordered by name. */
    public List<TriggerSchedule> list(boolean enabledOnly, int limit, int offset) {
        return store.list(enabledOnly, page("limit", limit), page("offset", offset));
    }

    /** A trigger's row, or empty if no process ever defined it on this database. */
    public Optional<TriggerSchedule> get(String name) {
        return store.find(name(name));
    }

    /**
     * Enables or disables a trigger for every process on the database. Enabling makes it due at once
     * (interval) or at its next instant (cron): polls missed while disabled are not made up.
     *
     * @throws CloacaException NOT_FOUND for an unknown trigger
     */
    public void setEnabled(String name, boolean enabled) {
        TriggerSchedule current = get(name).orElseThrow(() -> notFound(name));
        long now = clock.millis();
        Long next = null;
        if (enabled && !current.enabled()) {
            TriggerDefinition d = definitions.get(current.triggerName());
            next = d != null && d.timing() instanceof TriggerTiming.AtCron ? d.timing().nextAfter(now, now) : now;
        }
        if (!store.setEnabled(current.triggerName(), enabled, next, now)) {
            throw notFound(name);
        }
        scheduler.wake();
    }

    /** A trigger's fired and failed polls, newest first. */
    public List<TriggerExecution> history(String name, int limit, int offset) {
        return store.history(name(name), page("limit", limit), page("offset", offset));
    }

    /**
     * Claims and polls every trigger due at the clock's current time, waits until those polls have been
     * handled (or timed out), and returns how many it claimed: the deterministic entry point for tests
     * driving a settable clock. Cron schedules are not fired by this call.
     */
    public int runDue() {
        int claimed = scheduler.runNow(poller);
        poller.awaitPolls();
        return claimed;
    }

    /** Starts no fire from now on; polls in progress end without effect. For the runner's shutdown. */
    public void close() {
        poller.stop();
        polls.shutdownNow(); // a blocked poll cannot be stopped (a Python function); its thread is a daemon
    }

    private static String name(String name) {
        if (name == null || name.isBlank()) {
            throw CloacaException.invalidArgument("trigger name must be a non-empty string, got "
                    + (name == null ? "null" : "'" + name + "'"));
        }
        return name;
    }

    private static CloacaException notFound(String name) {
        return CloacaException.notFound("Trigger not found: '" + name + "' (no process has defined it on this database)");
    }

    private static int page(String name, int value) {
        if (value < 0) {
            throw CloacaException.invalidArgument(name + " must not be negative, got " + value);
        }
        return value;
    }
}
