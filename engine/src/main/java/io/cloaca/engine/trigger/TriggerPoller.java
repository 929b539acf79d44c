package io.cloaca.engine.trigger;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloaca.engine.ErrorText;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.cron.DueWork;
import io.cloaca.engine.cron.Rfc3339;
import io.cloaca.engine.store.ExecutionStore;
import io.cloaca.engine.store.RowIds;
import io.cloaca.engine.store.StartedBy;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Polls the triggers defined in this process when they are due. The scheduler's thread only claims
 * (one short transaction: a compare-and-set on each due trigger's next poll time, so one process polls
 * a trigger per interval however many share the database) and hands each claimed poll to the poll
 * pool. So a poll that blocks holds up its own trigger only: it is recorded as failed when the poll
 * timeout passes, and its trigger is not claimed again by this runner until the poll returns.
 *
 * <p>A Fire is one transaction: lock the trigger's row, check that no execution it started with the
 * identical context is still running (unless {@code allow_concurrent}), create the execution and
 * write the history row already linked to it.
 */
final class TriggerPoller implements DueWork {

    private static final Logger LOG = LoggerFactory.getLogger(TriggerPoller.class);

    private final TriggerStore store;
    private final ExecutionStore executions;
    private final WorkflowRegistry registry;
    private final TriggerConfig config;
    private final Clock clock;
    private final String runnerId;
    private final Consumer<String> enqueue;
    private final Map<String, TriggerDefinition> definitions;
    private final ExecutorService polls;
    private final ScheduledExecutorService watchdogs;
    private Runnable wake = () -> { };
    /** Triggers whose poll this runner is running (or that is blocked past its timeout). */
    private final Set<String> busy = ConcurrentHashMap.newKeySet();
    /** Ends when the poll's outcome is handled (or its timeout recorded): what {@link #awaitPolls} waits for. */
    private final Map<String, CompletableFuture<Void>> handled = new ConcurrentHashMap<>();
    /** Triggers whose unknown workflow was already recorded: once per absence, not once per interval. */
    private final Set<String> reportedMissing = ConcurrentHashMap.newKeySet();
    /** The last error recorded per trigger and when: a trigger failing every 100 ms must not flood history and log. */
    private final Map<String, RecordedError> lastErrors = new ConcurrentHashMap<>();
    private volatile boolean stopped;

    /** An identical error is recorded again only after this long (or after a poll that succeeded). */
    static final long REPEAT_ERROR_AFTER_MS = 60_000;

    private record RecordedError(String detail, long at) {
    }

    TriggerPoller(TriggerStore store, ExecutionStore executions, WorkflowRegistry registry, TriggerConfig config,
                  Clock clock, String runnerId, Consumer<String> enqueue, Map<String, TriggerDefinition> definitions,
                  ExecutorService polls, ScheduledExecutorService watchdogs) {
        this.store = store;
        this.executions = executions;
        this.registry = registry;
        this.config = config;
        this.clock = clock;
        this.runnerId = runnerId;
        this.enqueue = enqueue;
        this.definitions = definitions;
        this.polls = polls;
        this.watchdogs = watchdogs;
    }

    /** What to call when a trigger becomes idle again (the scheduler's wake). */
    void onIdle(Runnable wake) {
        this.wake = wake;
    }

    /** No fire is started from now on; polls already running end without effect. */
    void stop() {
        stopped = true;
    }

    private List<String> idle() {
        List<String> names = new ArrayList<>(definitions.keySet());
        names.removeAll(busy);
        return names;
    }

    @Override
    public Optional<Instant> nextDue() {
        List<String> names = idle();
        if (names.isEmpty()) {
            return Optional.empty(); // a runner without triggers costs no query
        }
        return store.nextPolls(names).values().stream().min(Long::compare).map(Instant::ofEpochMilli);
    }

    @Override
    public int runDue(Instant at) {
        List<String> names = idle();
        if (names.isEmpty() || stopped) {
            return 0;
        }
        long now = at.toEpochMilli();
        List<TriggerDefinition> claimed = store.database().inTransaction(c -> {
            List<TriggerDefinition> mine = new ArrayList<>();
            for (TriggerSchedule s : store.due(c, now, names)) {
                TriggerDefinition d = definitions.get(s.triggerName());
                if (d != null && store.claim(c, s, d.timing().nextAfter(s.nextPollAt(), now), now)) {
                    mine.add(d);
                }
            }
            return mine;
        });
        claimed.forEach(d -> start(d, now));
        return claimed.size();
    }

    /** Waits until the polls started so far have been handled (or timed out). */
    void awaitPolls() {
        CompletableFuture.allOf(handled.values().toArray(CompletableFuture[]::new)).join();
    }

    private void start(TriggerDefinition d, long polledAt) {
        Optional<Workflow> workflow = registry.find(d.workflowName());
        if (workflow.isEmpty()) {
            if (reportedMissing.add(d.name())) {
                List<String> known = registry.names().stream().sorted().toList();
                fail(d, polledAt, "Trigger '" + d.name() + "' is bound to workflow '" + d.workflowName()
                        + "', which is not registered in this process (registered: "
                        + (known.size() > 10 ? String.join(", ", known.subList(0, 10)) + ", ..." : String.join(", ", known))
                        + "); it is not polled until the workflow is");
            }
            return;
        }
        reportedMissing.remove(d.name());
        busy.add(d.name());
        CompletableFuture<Void> done = new CompletableFuture<>();
        handled.put(d.name(), done);
        AtomicBoolean settled = new AtomicBoolean();
        long timeout = config.pollTimeout().toMillis();
        ScheduledFuture<?> watchdog = watchdogs.schedule(() -> {
            if (settled.compareAndSet(false, true)) {
                polls.execute(() -> {
                    fail(d, polledAt, "Trigger '" + d.name() + "' poll did not return within "
                            + config.pollTimeout().toMillis() / 1000.0 + " s (trigger_poll_timeout); it is not polled"
                            + " again until that poll returns");
                    done.complete(null);
                });
            }
        }, timeout, TimeUnit.MILLISECONDS);
        polls.execute(() -> {
            try {
                Polled outcome = call(d);
                watchdog.cancel(false);
                if (settled.compareAndSet(false, true)) {
                    handle(d, polledAt, outcome);
                }
            } finally {
                handled.remove(d.name(), done);
                busy.remove(d.name()); // before done: whoever waited on it may claim the trigger again at once
                done.complete(null);
                wake.run();
            }
        });
    }

    /** A poll's answer, or the message recorded when it had none. */
    private record Polled(TriggerResult result, String error) {
    }

    private static Polled call(TriggerDefinition d) {
        try {
            TriggerResult result = d.poll().poll();
            return result != null ? new Polled(result, null)
                    : new Polled(null, "Trigger '" + d.name() + "' must return TriggerResult, got: null");
        } catch (TriggerPoll.Failed e) {
            return new Polled(null, e.getMessage());
        } catch (Exception | LinkageError | AssertionError e) {
            return new Polled(null, "Trigger '" + d.name() + "' poll raised " + e.getClass().getSimpleName() + ": "
                    + e.getMessage());
        }
    }

    private void handle(TriggerDefinition d, long polledAt, Polled outcome) {
        if (outcome.error() != null) {
            fail(d, polledAt, outcome.error());
            return;
        }
        lastErrors.remove(d.name());
        if (outcome.result() instanceof TriggerResult.Fire fire && !stopped) {
            fire(d, polledAt, fire.context());
        }
    }

    /**
     * Records and logs a failed poll, unless the same error was recorded for this trigger less than
     * {@link #REPEAT_ERROR_AFTER_MS} ago with no successful poll since.
     */
    private void fail(TriggerDefinition d, long polledAt, String fullDetail) {
        String detail = ErrorText.cap(fullDetail); // a poll's message may quote what it read
        long now = clock.millis();
        RecordedError last = lastErrors.get(d.name());
        if (last != null && last.detail().equals(detail) && now - last.at() < REPEAT_ERROR_AFTER_MS) {
            return;
        }
        lastErrors.put(d.name(), new RecordedError(detail, now));
        LOG.warn("{} [trigger {}, workflow {}]", detail, d.name(), d.workflowName());
        try {
            store.database().inTransaction(c -> {
                store.record(c, d.name(), null, null, TriggerExecution.Outcome.ERROR, detail, polledAt, runnerId,
                        clock.millis());
                return null;
            });
        } catch (RuntimeException e) {
            LOG.error("Trigger '{}': could not record a failed poll", d.name(), e);
        }
    }

    private void fire(TriggerDefinition d, long polledAt, Context context) {
        Optional<Workflow> workflow = registry.find(d.workflowName());
        if (workflow.isEmpty()) {
            return; // unregistered since the claim: the next claim records it
        }
        String hash = ContextHash.of(context);
        try {
            ExecutionStore.Created created = store.database().inTransaction(c -> {
                if (!store.lock(c, d.name())) {
                    return null;
                }
                if (!d.allowConcurrent() && store.inFlight(c, d.name(), hash)) {
                    LOG.debug("Trigger '{}': an execution with this context is still running; not started again",
                            d.name());
                    return null;
                }
                long now = clock.millis();
                String executionId = RowIds.next();
                ExecutionStore.Created made = executions.createExecution(c, executionId, d.workflowName(),
                        workflow.get(), initialContext(d, context, now), StartedBy.trigger(d.name()), now);
                store.record(c, d.name(), hash, executionId, TriggerExecution.Outcome.FIRED, null, polledAt, runnerId,
                        now);
                return made;
            });
            if (created != null) {
                created.ready().forEach(enqueue);
            }
        } catch (RuntimeException e) {
            LOG.error("Trigger '{}': could not start workflow '{}'", d.name(), d.workflowName(), e);
        }
    }

    /** The fired context plus {@code trigger_name} and {@code triggered_at} (RFC 3339), as upstream. */
    static String initialContext(TriggerDefinition d, Context context, long now) {
        ObjectNode ctx = context == null ? Context.JSON.createObjectNode() : context.toJsonNode().deepCopy();
        ctx.put("trigger_name", d.name());
        ctx.put("triggered_at", Rfc3339.format(Instant.ofEpochMilli(now)));
        return ctx.toString();
    }
}
