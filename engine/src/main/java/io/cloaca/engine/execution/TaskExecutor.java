package io.cloaca.engine.execution;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.ErrorText;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.store.ClaimedTask;
import io.cloaca.engine.store.Claimant;
import io.cloaca.engine.store.ExecutionStore;
import io.cloaca.engine.store.FinishResult;
import io.cloaca.engine.store.TaskOutcome;
import io.cloaca.engine.workflow.AttemptHandle;
import io.cloaca.engine.workflow.TaskDefinition;
import io.cloaca.engine.workflow.TaskFailedException;
import io.cloaca.engine.workflow.TaskNamespace;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs tasks on a worker thread: claim, build the input from the dependencies' outputs, call the body,
 * record the outcome. When recording readies a dependent, the same worker claims it in that transaction
 * and runs it next, so a chain advances with one commit per task and no queue hop.
 *
 * <p>Every claim this runner holds is kept in memory by token from the moment it is made until its
 * outcome is recorded, it is given back, or recording fails: heartbeats renew exactly these, so a
 * claim whose outcome could not be recorded expires with its lease and is recovered.
 */
final class TaskExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(TaskExecutor.class);

    private final ExecutionStore store;
    private final WorkflowRegistry registry;
    private final RunnerConfig config;
    private final Claimant claimant;
    private final Clock clock;
    private final ScheduledExecutorService timers;
    private final AttemptDeadlines deadlines;
    private final Consumer<String> enqueue;
    /** A task id queued for this runner that a finishing worker may take for itself, or null. */
    private final Supplier<String> takeQueued;
    private final Consumer<FinishResult> onFinish;
    private final BooleanSupplier stopping;
    private final TaskListeners listeners;
    private final TaskPace pace = new TaskPace();

    TaskExecutor(ExecutionStore store, WorkflowRegistry registry, RunnerConfig config, Claimant claimant, Clock clock,
                 ScheduledExecutorService timers, AttemptDeadlines deadlines, Consumer<String> enqueue,
                 Supplier<String> takeQueued, Consumer<FinishResult> onFinish,
                 BooleanSupplier stopping, TaskListeners listeners) {
        this.store = store;
        this.registry = registry;
        this.config = config;
        this.claimant = claimant;
        this.clock = clock;
        this.timers = timers;
        this.deadlines = deadlines;
        this.enqueue = enqueue;
        this.takeQueued = takeQueued;
        this.onFinish = onFinish;
        this.stopping = stopping;
        this.listeners = listeners;
    }

    /** A task claimed before it was queued, and when (this runner's clock). */
    private record Preclaim(ClaimedTask task, long at) {
    }

    /** Tasks claimed before they were queued (roots claimed when their execution was created), by id. */
    private final java.util.concurrent.ConcurrentMap<String, Preclaim> preclaimed =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** Every claim this runner holds, by token: queued, running, or handed to a worker by a finish. */
    private final java.util.concurrent.ConcurrentMap<String, ClaimedTask> held =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Remembers a task this runner already claimed, to be run when its id comes off the queue. */
    void preclaimed(ClaimedTask task) {
        held.put(task.token(), task);
        preclaimed.put(task.taskId(), new Preclaim(task, clock.millis()));
    }

    /** The pre-claimed task {@code taskId}, taken out of the map, or null when it is not (or no longer) there. */
    private ClaimedTask takePreclaimed(String taskId) {
        Preclaim p = preclaimed.remove(taskId);
        return p == null ? null : p.task();
    }

    /** The claims whose leases heartbeats renew. */
    java.util.Collection<ClaimedTask> heldClaims() {
        return List.copyOf(held.values());
    }

    /** Gives back the claims of pre-claimed tasks that never came off the queue (at shutdown). */
    void releasePreclaimed() {
        List<Preclaim> unstarted = takePreclaimedBy(Long.MAX_VALUE);
        if (unstarted.isEmpty()) {
            return;
        }
        try {
            // One transaction: a runner stopping under a backlog holds up to claimAhead of work.
            store.release(tasks(unstarted), clock.millis());
        } finally {
            unstarted.forEach(p -> held.remove(p.task().token()));
        }
    }

    /**
     * Gives back the claims of pre-claimed tasks still queued that were claimed at or before {@code claimedBy}
     * (this runner's clock); their ids stay queued, and a worker that takes one claims it as any Ready task,
     * unless another runner got to it first. Returns how many were given back. If the database cannot be
     * told, the claims are kept (renewed, and run when their turn comes) and the next call tries again.
     */
    int giveBack(long claimedBy) {
        List<Preclaim> waiting = takePreclaimedBy(claimedBy);
        if (waiting.isEmpty()) {
            return 0;
        }
        int given;
        try {
            given = store.release(tasks(waiting), clock.millis());
        } catch (RuntimeException e) {
            waiting.forEach(p -> preclaimed.putIfAbsent(p.task().taskId(), p));
            throw e;
        }
        waiting.forEach(p -> held.remove(p.task().token()));
        return given;
    }

    /** Takes out of the map the pre-claimed tasks claimed at or before {@code claimedBy}. */
    private List<Preclaim> takePreclaimedBy(long claimedBy) {
        List<Preclaim> taken = new ArrayList<>();
        for (Preclaim p : List.copyOf(preclaimed.values())) {
            // Out of the map first: from then on no worker can start the task under this claim.
            if (p.at() <= claimedBy && preclaimed.remove(p.task().taskId(), p)) {
                taken.add(p);
            }
        }
        return taken;
    }

    private static List<ClaimedTask> tasks(List<Preclaim> preclaims) {
        return preclaims.stream().map(Preclaim::task).toList();
    }

    private void release(ClaimedTask task) {
        try {
            store.release(task, clock.millis());
        } finally {
            held.remove(task.token());
        }
    }

    /**
     * Claims (unless already claimed) and runs {@code taskId}, then any dependents handed to this worker.
     *
     * @param slot the worker's concurrency slot, which a deferring task lends out
     */
    void run(String taskId, AttemptHandle.Slot slot) {
        Carried carried = new Carried();
        ClaimedTask next = takePreclaimed(taskId);
        if (next == null) {
            next = store.claim(taskId, claimant, clock.millis()).orElse(null);
            if (next != null) {
                held.put(next.token(), next);
            }
        }
        while (next != null) {
            if (stopping.getAsBoolean()) {
                // Shutting down: give back the claim of a task not started, so a restart takes it at once.
                release(next);
                return;
            }
            long began = System.nanoTime();
            ClaimedTask after = attempt(next, carried, slot);
            pace.record(System.nanoTime() - began);
            next = after;
        }
    }

    /** How long this runner's workers have recently spent per task. */
    TaskPace pace() {
        return pace;
    }

    /**
     * The output a worker just committed, kept for the dependent it claimed in the same transaction: a
     * chain's next task gets its input without reading it back. Per worker thread, so never shared.
     */
    private static final class Carried {
        String taskName;
        String output;
    }

    private ClaimedTask attempt(ClaimedTask task, Carried carried, AttemptHandle.Slot slot) {
        Optional<Workflow> workflow = registry.find(task.workflowName());
        if (workflow.isEmpty()) {
            // Not ours to judge: another process may know this workflow. Give it back untouched.
            LOG.warn("Task {} of execution {} belongs to workflow '{}', which this runner does not know; released",
                    task.taskName(), task.executionId(), task.workflowName());
            release(task);
            return null;
        }
        Workflow wf = workflow.get();
        if (!wf.version().equals(task.workflowVersion())) {
            failPinned(task, wf);
            return null;
        }
        if (!isTaskOf(wf, task.taskName())) {
            String error = "Task '" + task.taskName() + "' is not part of workflow '" + wf.name()
                    + "' as registered in this process (version " + wf.version() + "); it cannot be run";
            LOG.error("Execution {}: {}", task.executionId(), error);
            return record(task, new TaskOutcome.Failed(error, null), wf, false, clock.millis());
        }
        TaskDefinition definition = wf.task(TaskNamespace.parse(task.taskName()));
        long startedAt = clock.millis();
        listeners.publish(new TaskEvent.Started(task.executionId(), task.workflowName(), task.taskName(),
                task.attempt(), task.maxAttempts()));
        AtomicBoolean timedOut = new AtomicBoolean();
        BodyInterrupt interrupt = definition.body().interruptible() ? new BodyInterrupt(Thread.currentThread()) : null;
        AttemptDeadlines.Deadline watchdog = deadlines.add(config.taskTimeout().toMillis(), () -> {
            expire(task, wf, definition, startedAt, timedOut);
            if (interrupt != null && timedOut.get()) {
                interrupt.deliver();
            }
        });
        AttemptHandle handle = new AttemptHandle(task.taskName(), slot);
        String output = null;
        Throwable thrown = null;
        boolean abandoned;
        try {
            Context returned = definition.body().run(input(task, definition, carried), handle);
            output = returned == null ? "{}" : returned.toJson();
        } catch (Exception | Error e) {
            // Errors too (AssertionError, LinkageError...): escaping would kill this worker thread and
            // leave the task Running until the watchdog fires.
            thrown = e;
        } finally {
            watchdog.cancel();
            if (interrupt != null) {
                interrupt.bodyReturned();
            }
            abandoned = handle.consume();
        }
        if (timedOut.get()) {
            // The watchdog recorded this attempt as timed out (and so gave up its claim): the late outcome
            // is not recorded, nor reported as a failure to record it (shutdown may have closed the store).
            // Checked before an abandoned deferral: the timeout's interrupt also ends a deferral.
            LOG.warn("Task {} of execution {} returned after its timeout was recorded; what it returned is dropped",
                    task.taskName(), task.executionId());
            return null;
        }
        if (abandoned) {
            // A shutdown ended its deferral: whatever the body made of that is not its outcome. Give the
            // claim back so that a runner (this one restarted, or another) runs the task again at once.
            LOG.info("Task {} of execution {} was deferred when its runner stopped; its claim is given back",
                    task.taskName(), task.executionId());
            release(task);
            return null;
        }
        TaskOutcome outcome = thrown == null ? new TaskOutcome.Succeeded(output)
                : thrown instanceof TaskFailedException e ? failure(task, definition, e.getMessage(), e.details())
                : failure(task, definition, describe(thrown), stackTrace(thrown));
        ClaimedTask next = record(task, outcome, wf, true, startedAt);
        carried.taskName = outcome instanceof TaskOutcome.Succeeded ? task.taskName() : null;
        carried.output = outcome instanceof TaskOutcome.Succeeded s ? s.outputContext() : null;
        return next;
    }

    private Context input(ClaimedTask task, TaskDefinition definition, Carried carried) {
        if (definition.dependencies().isEmpty()) {
            return Context.fromJson(task.initialContext());
        }
        if (definition.dependencies().size() == 1 && carried.output != null
                && definition.dependencies().get(0).toString().equals(carried.taskName)) {
            return Context.fromJson(carried.output);
        }
        return Context.owning(store.mergedOutputs(task.executionId(), definition.dependencies()));
    }

    /**
     * An execution runs only on the workflow version it started with: one whose version this process
     * does not have (the workflow changed between deploys, or was redefined) is failed, with both
     * versions named, rather than run on a different graph or left waiting for ever.
     */
    private void failPinned(ClaimedTask task, Workflow wf) {
        String error = "Execution " + task.executionId() + " of workflow '" + task.workflowName()
                + "' was started with version " + task.workflowVersion() + ", but this process has version "
                + wf.version() + "; an execution only runs on the version it started with, so it is failed";
        LOG.error(error);
        FinishResult result;
        try {
            result = store.failExecution(task, error, clock.millis());
        } finally {
            held.remove(task.token());
        }
        onFinish.accept(result);
    }

    private TaskOutcome failure(ClaimedTask task, TaskDefinition definition, String fullError, String fullDetails) {
        // The retry condition sees the whole message; the log and the history get it capped.
        boolean retry = definition.retryPolicy().shouldRetry(task.attempt(), fullError);
        String error = ErrorText.cap(fullError);
        String details = ErrorText.cap(fullDetails);
        if (retry) {
            Duration delay = definition.retryPolicy().delayAfter(task.attempt());
            LOG.info("Task {} attempt {}/{} failed, retrying in {} ms: {}", task.taskName(), task.attempt(),
                    task.maxAttempts(), delay.toMillis(), error);
            return new TaskOutcome.Retry(error, details, clock.millis() + delay.toMillis());
        }
        LOG.warn("Task {} failed after {} attempt(s): {}{}", task.taskName(), task.attempt(), error,
                details == null ? "" : "\n" + details);
        return new TaskOutcome.Failed(error, details);
    }

    /**
     * Watchdog: the attempt overran; fail it (and maybe retry) even though the body may still be running.
     *
     * @param timedOut set while the timeout is being recorded and once it is, so that the body, returning
     *                 meanwhile, drops its outcome; cleared if recording fails, leaving that to the body
     */
    private void expire(ClaimedTask task, Workflow wf, TaskDefinition definition, long startedAt,
                        AtomicBoolean timedOut) {
        // Set first: recording the timeout may end the execution and wake its caller before this returns.
        timedOut.set(true);
        try {
            String error = "Task timed out after " + RunnerConfig.seconds(config.taskTimeout());
            ClaimedTask next = record(task, failure(task, definition, error, null), wf, false, startedAt);
            if (next != null) {
                enqueue.accept(next.taskId());
            }
        } catch (RuntimeException e) {
            timedOut.set(false);
            LOG.error("Could not record the timeout of task {}", task.taskName(), e);
        }
    }

    private ClaimedTask record(ClaimedTask task, TaskOutcome outcome, Workflow wf, boolean claimNext, long startedAt) {
        long now = clock.millis();
        // A task nothing depends on hands this worker no successor: it takes the next queued task instead,
        // claimed in the finish's transaction, or already claimed when its execution was created.
        String queued = claimNext && !(outcome instanceof TaskOutcome.Retry)
                && ExecutionStore.takesQueuedWork(wf, task.taskName()) ? takeQueued.get() : null;
        ClaimedTask ownQueued = queued != null ? takePreclaimed(queued) : null;
        String toClaim = ownQueued == null ? queued : null;
        FinishResult result;
        try {
            result = store.finish(task, outcome, wf, claimNext ? claimant.newClaim() : null, toClaim, now);
        } catch (CloacaException e) {
            LOG.error("Could not record the outcome of task {} (execution {}); its lease will expire and it will "
                    + "run again", task.taskName(), task.executionId(), e);
            requeue(toClaim);
            return ownQueued;
        } finally {
            // Recorded, lost or failed: either way this claim is no longer ours to renew.
            held.remove(task.token());
        }
        ClaimedTask next = result.next();
        if (next != null) {
            held.put(next.token(), next);
        }
        if (toClaim != null && (next == null || !next.taskId().equals(toClaim))) {
            requeue(toClaim); // not claimed: as if it had never left the queue
        }
        if (ownQueued != null) {
            if (next == null) {
                next = ownQueued;
            } else {
                preclaimed(ownQueued); // cannot happen for a task nothing depends on; kept for safety
                enqueue.accept(ownQueued.taskId());
            }
        }
        if (!result.recorded()) {
            // Worth a warning: the attempt's work may have been done twice (a retry or another runner).
            LOG.warn("Outcome of task {} attempt {} (execution {}) dropped: its claim no longer holds (the attempt"
                    + " timed out, its lease expired and another runner took the task, or a process with another"
                    + " version of the workflow failed the execution); the outcome recorded under the current claim"
                    + " stands", task.taskName(), task.attempt(), task.executionId());
            return next;
        }
        if (outcome instanceof TaskOutcome.Retry retry) {
            timers.schedule(() -> enqueue.accept(task.taskId()), Math.max(0, retry.retryAt() - now),
                    TimeUnit.MILLISECONDS);
        }
        listeners.publish(event(task, outcome, now - startedAt, now));
        result.ready().forEach(enqueue);
        onFinish.accept(result);
        return next;
    }

    private void requeue(String taskId) {
        if (taskId != null) {
            enqueue.accept(taskId);
        }
    }

    private static TaskEvent event(ClaimedTask task, TaskOutcome outcome, long elapsed, long now) {
        if (outcome instanceof TaskOutcome.Retry r) {
            return new TaskEvent.Retrying(task.executionId(), task.workflowName(), task.taskName(), task.attempt(),
                    task.maxAttempts(), elapsed, Math.max(0, r.retryAt() - now), r.error());
        }
        if (outcome instanceof TaskOutcome.Failed f) {
            return new TaskEvent.Failed(task.executionId(), task.workflowName(), task.taskName(), task.attempt(),
                    elapsed, f.error());
        }
        return new TaskEvent.Succeeded(task.executionId(), task.workflowName(), task.taskName(), task.attempt(),
                elapsed);
    }

    private static boolean isTaskOf(Workflow wf, String taskName) {
        try {
            return wf.hasTask(TaskNamespace.parse(taskName));
        } catch (CloacaException malformed) {
            return false;
        }
    }

    static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static String stackTrace(Throwable e) {
        StringWriter out = new StringWriter();
        e.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
