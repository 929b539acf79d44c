package io.cloaca.engine.execution;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.store.ClaimedTask;
import io.cloaca.engine.store.Claimant;
import io.cloaca.engine.cron.CronSchedules;
import io.cloaca.engine.cron.CronStore;
import io.cloaca.engine.store.Database;
import io.cloaca.engine.cron.TimedScheduler;
import io.cloaca.engine.store.RowIds;
import io.cloaca.engine.trigger.TriggerSchedules;
import io.cloaca.engine.trigger.TriggerStore;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.ExecutionHistory;
import io.cloaca.engine.store.ExecutionRecord;
import io.cloaca.engine.store.ExecutionStore;
import io.cloaca.engine.store.FinishResult;
import io.cloaca.engine.store.LivenessLock;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Runs workflows from a {@link WorkflowRegistry} against one database, durably: an execution and its
 * tasks are written before anything runs, and every outcome is committed before dependents start.
 *
 * <pre>{@code
 * WorkflowRegistry registry = new WorkflowRegistry();
 * registry.register(workflow);
 * try (Runner runner = Runner.open("sqlite://app.db", RunnerConfig.DEFAULT, registry)) {
 *     ExecutionResult result = runner.execute("etl", Context.empty());
 * }
 * }</pre>
 *
 * <p>Threads: {@code max_concurrent_tasks} workers named {@code cloaca-<id>-worker-N} (plus one for each task
 * deferred by its {@link io.cloaca.engine.workflow.TaskHandle}, which lends its slot meanwhile), one timer thread
 * (retry delays, attempt timeouts), one maintenance thread (lease sweeps, polls for work other
 * processes created, the watch for dead peers' claims, the liveness-lock check; see {@link Maintenance}
 * and {@link MaintenanceRounds}: idle runners are served in turn within a budget) and one heartbeat thread, shared with the other runners of the same
 * database and login opened by the same {@link RunnerFactory}. {@link #execute} blocks its caller on a
 * completion signal, not a poll.
 */
public final class Runner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Runner.class);
    private final String runnerId = UUID.randomUUID().toString();
    private final SharedResources resources;
    private final String schema;
    private final ExecutionStore store;
    private final ExecutionHistory history;
    private final WorkflowRegistry registry;
    private final RunnerConfig config;
    private final Clock clock;
    private final TaskExecutor executor;
    private final WorkerPool.Lane lane;
    private final Consumer<Runner> onShutdown;
    private final Claimant claimant;
    private final Maintenance maintenance;
    /** Fires cron schedules and polls event triggers, each at its time. */
    private final TimedScheduler dueWork;
    private final CronSchedules cron;
    private final TriggerSchedules triggers;
    /** Callers waiting for an execution to end share one future per execution; guarded by {@code this}. */
    private final Map<String, CompletableFuture<ExecutionResult>> waiting = new ConcurrentHashMap<>();
    /** How many callers wait on each future: one giving up (a timeout) must not orphan the others. */
    private final Map<String, Integer> waiters = new java.util.HashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Set once shutdown has drained and stopped heartbeats. */
    private volatile boolean stopped;

    Runner(SharedResources resources, String schema, WorkflowRegistry registry, RunnerConfig config, Clock clock,
           boolean backgroundMaintenance, TaskListeners listeners, Consumer<Runner> onShutdown) {
        this.resources = resources;
        this.schema = schema;
        this.store = new ExecutionStore(resources.database, schema, clock);
        this.history = ExecutionHistory.retrying(resources.database, schema);
        this.registry = registry;
        this.config = config;
        this.clock = clock;
        this.onShutdown = onShutdown;
        this.claimant = new Claimant(runnerId, resources.liveness.owner(), config.leaseDuration().toMillis());
        // Before any claim: other processes' owner watches learn of this one from the schema's record.
        store.registerClaimOwner(claimant.owner(), clock.millis());
        this.executor = new TaskExecutor(store, registry, config, claimant, clock, resources.timers, resources.deadlines,
                this::enqueue, this::takeQueued, this::onFinish, closed::get, listeners);
        this.lane = new WorkerPool.Lane(executor);
        this.maintenance = new Maintenance(this);
        if (backgroundMaintenance) {
            maintenance.start(resources.rounds, resources.heartbeats);
        }
        this.dueWork = new TimedScheduler("due work " + runnerId, resources.dueWork, clock,
                () -> resources.dueRecheck(config.cron().recheck()), java.util.List.of());
        this.cron = new CronSchedules(new CronStore(resources.database, schema), store, registry, config.cron(), clock,
                runnerId, this::enqueue, dueWork);
        this.triggers = new TriggerSchedules(new TriggerStore(resources.database, schema), store, registry,
                config.triggers(), clock, runnerId, this::enqueue, dueWork, resources.timers);
        dueWork.start();
    }

    /**
     * Opens the database named by {@code url} (see {@link DatabaseUrl} for the forms), creates or
     * upgrades its tables and starts the workers. Runners opened this way share nothing; use a
     * {@link RunnerFactory} to share a pool between runners (tenants) of one database.
     *
     * @throws CloacaException INVALID_ARGUMENT for a bad URL, STORAGE when the database cannot be
     *     opened or migrated
     */
    public static Runner open(String url, RunnerConfig config, WorkflowRegistry registry) {
        return new RunnerFactory(registry).open(url, config);
    }

    /** The PostgreSQL schema this runner works in, or null for the connection's default. */
    public String schema() {
        return schema;
    }

    /**
     * Where this runner's tables are: its database's URL with this runner's {@link #schema()}. Not
     * {@code database().url()}, which names the schema of whichever runner opened the shared pool.
     */
    public DatabaseUrl url() {
        DatabaseUrl url = resources.database.url();
        return url instanceof DatabaseUrl.Postgres pg ? pg.withCredentials(pg.user(), pg.password(), schema) : url;
    }

    public String runnerId() {
        return runnerId;
    }

    public RunnerConfig config() {
        return config;
    }

    public WorkflowRegistry registry() {
        return registry;
    }

    /** The executions and task rows of this runner's database (or schema), read-only. */
    public ExecutionHistory history() {
        return history;
    }

    /**
     * The connection pool this runner works on (shared with the runners of its {@link RunnerFactory}),
     * for tools that run their own SQL (benchmarks, tests, a schema check). Execution state is written
     * by the engine only: read it through {@link #history()}.
     */
    public Database database() {
        return resources.database;
    }

    /** This runner's background loops (for {@link MaintenanceRounds} and its tests). */
    Maintenance maintenance() {
        return maintenance;
    }

    /** The store that writes execution state: the engine's, not an embedder's (see {@link #history()}). */
    ExecutionStore store() {
        return store;
    }

    /** This runner's cron schedules (those stored in its database or schema). */
    public CronSchedules cron() {
        return cron;
    }

    /**
     * This runner's event triggers: those defined here are polled at their interval, once per interval
     * across every runner of the database that defines them too.
     */
    public TriggerSchedules triggers() {
        return triggers;
    }

    /** An execution started by {@link #submit}: its id at once, its result when it ends. */
    public record Submission(String executionId, CompletableFuture<ExecutionResult> result) {
    }

    /**
     * Persists a new execution of {@code workflowName} and starts its root tasks; returns at once.
     *
     * @throws CloacaException NOT_FOUND "Workflow not found in registry: name"; ILLEGAL_STATE after shutdown
     */
    public Submission submit(String workflowName, Context input) {
        ensureOpen();
        Workflow workflow = registry.get(workflowName);
        String executionId = RowIds.next();
        CompletableFuture<ExecutionResult> result = addWaiter(executionId);
        try {
            // Roots this runner has room for are claimed in the creating transaction (one commit fewer
            // each); the others stay Ready for whichever runner gets to them first.
            ExecutionStore.Created created = store.createExecution(executionId, workflowName, workflow, input.toJson(),
                    claimant, Math.max(0, claimableAtCreation()), clock.millis());
            created.claimed().forEach(task -> {
                executor.preclaimed(task);
                enqueue(task.taskId());
            });
            created.ready().forEach(this::enqueue);
            if (created.finished() != null) {
                executionEnded(created.finished()); // trigger rules skipped every task
            }
        } catch (RuntimeException e) {
            dropWaiter(executionId);
            if (closed.get()) {
                throw new CloacaException(CloacaException.Kind.ILLEGAL_STATE, "Runner is shut down", e);
            }
            throw e;
        }
        if (closed.get()) {
            // Shutdown began while this execution was being written: its lane takes no more work, so give
            // back what was claimed for it and tell the caller, as shutdown tells every waiter. The database
            // may already be closed by then: the claims then expire with their leases.
            try {
                executor.releasePreclaimed();
            } catch (RuntimeException e) {
                LOG.debug("Runner {}: claims of execution {} not given back at shutdown; they expire with their leases",
                        runnerId, executionId, e);
            }
            result.completeExceptionally(shutDownBefore(executionId));
        }
        return new Submission(executionId, result);
    }

    /**
     * Runs {@code workflowName} to its end and returns the outcome. A failed task does not throw: it
     * shows in the result's status.
     *
     * @throws CloacaException TIMEOUT "Pipeline timeout after Ns" when the execution timeout passes (the
     *     execution carries on in the database); NOT_FOUND for an unknown workflow
     */
    public ExecutionResult execute(String workflowName, Context input) {
        Submission submission = submit(workflowName, input);
        Duration timeout = config.executionTimeout();
        return await(submission.executionId(), submission.result(), timeout, () -> {
            dropWaiter(submission.executionId());
            return new CloacaException(CloacaException.Kind.TIMEOUT, "Pipeline timeout after " + RunnerConfig.seconds(timeout));
        });
    }

    /** Registers a caller waiting for {@code executionId}; returns the future every such caller shares. */
    private synchronized CompletableFuture<ExecutionResult> addWaiter(String executionId) {
        waiters.merge(executionId, 1, Integer::sum);
        CompletableFuture<ExecutionResult> future = waiting.computeIfAbsent(executionId, id -> new CompletableFuture<>());
        if (closed.get()) {
            // Shutdown may already have failed the waiters it knew of: no caller is left blocked.
            future.completeExceptionally(shutDownBefore(executionId));
        }
        return future;
    }

    /** A caller stopped waiting (timeout, error); the future goes when no other caller waits on it. */
    private synchronized void dropWaiter(String executionId) {
        if (waiters.computeIfPresent(executionId, (id, n) -> n > 1 ? n - 1 : null) == null) {
            waiting.remove(executionId);
        }
    }

    private static CloacaException shutDownBefore(String executionId) {
        return CloacaException.illegalState("Runner was shut down before execution " + executionId
                + " finished; it is kept in the database");
    }

    /** Blocks on {@code future} for up to {@code timeout} (null: forever), unwrapping its failure. */
    private static ExecutionResult await(String executionId, CompletableFuture<ExecutionResult> future, Duration timeout,
                                         java.util.function.Supplier<CloacaException> onTimeout) {
        try {
            return timeout == null ? future.get() : future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw onTimeout.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CloacaException.illegalState("Interrupted while waiting for execution " + executionId);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    void enqueue(String taskId) {
        resources.workers.submit(lane, taskId);
    }

    /** A task of this runner's queue for a worker about to finish one (see {@link WorkerPool#takeQueued}). */
    private String takeQueued() {
        return resources.workers.takeQueued(lane);
    }

    /** Queues what an outcome readied and wakes whoever waits for an execution it ended. */
    void onFinish(FinishResult result) {
        if (result.finished() != null) {
            executionEnded(result.finished());
        }
    }

    void executionEnded(ExecutionRecord record) {
        CompletableFuture<ExecutionResult> future;
        synchronized (this) {
            future = waiting.remove(record.id());
            waiters.remove(record.id());
        }
        if (future != null) {
            try {
                future.complete(ExecutionResult.of(record));
            } catch (RuntimeException e) {
                // A final context that cannot be read (a number longer than the JSON limit): the caller
                // learns why now; uncaught here, it waited for its whole execution timeout.
                future.completeExceptionally(e);
            }
        }
    }

    /** Ids of executions whose {@code execute} callers are waiting. */
    java.util.Set<String> awaitedExecutions() {
        return waiting.keySet();
    }

    /**
     * Roots a new execution may have claimed in its creating transaction: as many as keep this runner's
     * claimed work within {@link RunnerConfig#claimAhead} of its workers' recent pace, and at least the
     * free worker slots plus one queued task per worker. Under a steady stream of submits every worker is
     * busy when the next execution is written; claiming its root then anyway saves the claim's own
     * statements (the costliest part of a one-task workflow on PostgreSQL after its creation) when a
     * worker takes it a moment later. Beyond that span a backlog is left Ready for whichever runner, of
     * this process or another, gets to it first: no runner sits on more work than it does in about a
     * second. Claims held in the queue are renewed by heartbeats, given back by the first heartbeat a
     * whole heartbeat interval after the claim if no worker has started the task by then (the pace
     * proved wrong: a task holds the workers far longer than the recent ones did), and given back at
     * shutdown.
     */
    int claimableAtCreation() {
        int workers = resources.workers.size();
        int ahead = Math.max(2 * workers, executor.pace().tasksWithin(config.claimAhead(), workers));
        return ahead - lane.active() - lane.queued();
    }

    /** Free worker slots of this runner's lane, as far as it can tell (deferred tasks hold none). */
    int spareCapacity() {
        return resources.workers.size() - lane.active() - lane.queued();
    }

    /**
     * Gives back the claims of tasks claimed ahead (with their executions) at or before {@code claimedBy}
     * that no worker has started; returns how many.
     */
    int giveBackWaitingClaims(long claimedBy) {
        return executor.giveBack(claimedBy);
    }

    /** The claims this runner holds (queued or running), whose leases heartbeats renew. */
    java.util.Collection<ClaimedTask> heldClaims() {
        return executor.heldClaims();
    }

    /** The liveness lock of this runner's process on its database, shared with the runners of the same pool. */
    LivenessLock liveness() {
        return resources.liveness;
    }

    /**
     * Runs one round of the background work now: a heartbeat, a lease sweep and a poll for ready work
     * (whatever the idle back-off); while shutdown drains running tasks, the heartbeat only. The
     * background loops do the same on their own schedule; this is for tests that drive time with a
     * settable clock (with a {@link RunnerFactory} that schedules no background work) and for embedders
     * that want recovery at a moment of their choosing.
     *
     * @throws CloacaException ILLEGAL_STATE once shutdown has finished; STORAGE when the database fails
     */
    public MaintenanceReport runMaintenanceOnce() {
        if (stopped) {
            throw CloacaException.illegalState("Runner is shut down");
        }
        return maintenance.runOnce();
    }

    /**
     * Runs one owner watch now, as the background loop does every two seconds: one query for the
     * liveness owners of the other processes recorded as taking claims in this runner's schema, a probe
     * of their locks, and a sweep only if one of them is gone. The report's sweep counts are 0 when no sweep was needed.
     * For tests that show a running process takes over a dead peer's claims without waiting for a sweep.
     *
     * @throws CloacaException ILLEGAL_STATE once shutdown has begun; STORAGE when the database fails
     */
    public MaintenanceReport watchClaimOwnersOnce() {
        ensureOpen();
        return maintenance.watchOnce();
    }

    /** How many of this runner's tasks are running now: what {@link #shutdown()} waits for. */
    public int runningTasks() {
        return lane.running();
    }

    /** True once {@link #shutdown()} has begun. */
    public boolean isShutDown() {
        return closed.get();
    }

    Clock clock() {
        return clock;
    }

    /**
     * Waits for an execution this runner did not necessarily start (for example one recovered after a
     * crash) to end, and returns its result.
     *
     * @throws CloacaException NOT_FOUND for an unknown id; TIMEOUT when {@code timeout} passes first
     */
    public ExecutionResult awaitExecution(String executionId, Duration timeout) {
        ensureOpen();
        CompletableFuture<ExecutionResult> future = addWaiter(executionId);
        ExecutionRecord record;
        try {
            record = store.findExecution(executionId).orElseThrow(
                    () -> CloacaException.notFound("Execution not found: " + executionId));
        } catch (RuntimeException e) {
            dropWaiter(executionId);
            throw e;
        }
        if (record.status().isTerminal()) {
            executionEnded(record);
        }
        return await(executionId, future, timeout, () -> {
            dropWaiter(executionId);
            return new CloacaException(CloacaException.Kind.TIMEOUT,
                    "Execution " + executionId + " did not end within " + RunnerConfig.seconds(timeout));
        });
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw CloacaException.illegalState("Runner is shut down");
        }
    }

    /**
     * Stops taking work, lets running tasks finish for up to the configured shutdown grace (renewing
     * their leases meanwhile), gives back the claims of tasks it had not started, stops heartbeats, fails pending
     * {@code execute} calls, and closes the pool. Executions left unfinished stay in the database.
     * Idempotent.
     */
    public void shutdown() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        // Stop firing schedules and polling triggers first; heartbeats go on while running tasks drain, so that no other
        // runner takes a task about to finish.
        dueWork.stop();
        triggers.close();
        if (!resources.workers.closeLane(lane, config.shutdownGrace())) {
            LOG.warn("Runner {}: tasks still running after {}; their claims expire with their leases",
                    runnerId, RunnerConfig.seconds(config.shutdownGrace()));
        }
        try {
            executor.releasePreclaimed();
        } catch (RuntimeException e) {
            LOG.warn("Runner {}: could not give back unstarted claims; they expire with their leases", runnerId, e);
        }
        maintenance.stop();
        stopped = true;
        synchronized (this) {
            waiting.forEach((id, future) -> future.completeExceptionally(shutDownBefore(id)));
            waiting.clear();
            waiters.clear();
        }
        onShutdown.accept(this);
        LOG.debug("Runner {} shut down", runnerId);
    }

    @Override
    public void close() {
        shutdown();
    }
}
