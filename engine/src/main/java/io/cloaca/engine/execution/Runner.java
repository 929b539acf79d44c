package io.cloaca.engine.execution;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.ExecutionRecord;
import io.cloaca.engine.store.ExecutionStore;
import io.cloaca.engine.store.FinishResult;
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
 * <p>Threads: {@code max_concurrent_tasks} workers named {@code cloaca-<id>-worker-N}, one timer thread
 * (retry delays, attempt timeouts) and one maintenance thread (heartbeats, lease sweeps, polls for
 * work other processes created; see {@link Maintenance}), shared with the other runners of the same
 * database and login opened by the same {@link RunnerFactory}. {@link #execute} blocks its caller on a
 * completion signal, not a poll.
 */
public final class Runner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Runner.class);
    private final String runnerId = UUID.randomUUID().toString();
    private final SharedResources resources;
    private final String schema;
    private final ExecutionStore store;
    private final WorkflowRegistry registry;
    private final RunnerConfig config;
    private final Clock clock;
    private final TaskExecutor executor;
    private final WorkerPool.Lane lane;
    private final Consumer<Runner> onShutdown;
    private final Maintenance maintenance;
    private final Map<String, CompletableFuture<ExecutionResult>> waiting = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    Runner(SharedResources resources, String schema, WorkflowRegistry registry, RunnerConfig config, Clock clock,
           Consumer<Runner> onShutdown) {
        this.resources = resources;
        this.schema = schema;
        this.store = new ExecutionStore(resources.database, schema, clock);
        this.registry = registry;
        this.config = config;
        this.clock = clock;
        this.onShutdown = onShutdown;
        this.executor = new TaskExecutor(store, registry, config, runnerId, clock, resources.timers,
                this::enqueue, this::onFinish, closed::get);
        this.lane = new WorkerPool.Lane(executor);
        this.maintenance = new Maintenance(this);
        maintenance.start(resources.maintenance);
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

    public String runnerId() {
        return runnerId;
    }

    public RunnerConfig config() {
        return config;
    }

    public WorkflowRegistry registry() {
        return registry;
    }

    /** Read access to executions and task rows, for tools and tests. */
    public ExecutionStore store() {
        return store;
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
        String executionId = UUID.randomUUID().toString();
        CompletableFuture<ExecutionResult> result = new CompletableFuture<>();
        waiting.put(executionId, result);
        try {
            // Roots this runner has room for are claimed in the creating transaction (one commit fewer
            // each); the others stay Ready for whichever runner gets to them first.
            long now = clock.millis();
            ExecutionStore.Created created = store.createExecution(executionId, workflowName, workflow, input.toJson(),
                    runnerId, Math.max(0, spareCapacity()), now + config.leaseDuration().toMillis(), now);
            created.claimed().forEach(task -> {
                executor.preclaimed(task);
                enqueue(task.taskId());
            });
            created.ready().forEach(this::enqueue);
        } catch (RuntimeException e) {
            waiting.remove(executionId);
            throw e;
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
            waiting.remove(submission.executionId());
            return new CloacaException(CloacaException.Kind.TIMEOUT, "Pipeline timeout after " + RunnerConfig.seconds(timeout));
        });
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

    /** Queues what an outcome readied and wakes whoever waits for an execution it ended. */
    void onFinish(FinishResult result) {
        if (result.finished() != null) {
            executionEnded(result.finished());
        }
    }

    void executionEnded(ExecutionRecord record) {
        CompletableFuture<ExecutionResult> future = waiting.remove(record.id());
        if (future != null) {
            future.complete(ExecutionResult.of(record));
        }
    }

    /** Ids of executions whose {@code execute} callers are waiting. */
    java.util.Set<String> awaitedExecutions() {
        return waiting.keySet();
    }

    /** Free worker slots of this runner's lane, as far as it can tell. */
    int spareCapacity() {
        return resources.workers.size() - lane.running() - lane.queued();
    }

    /** Whether this runner holds claims that need their leases renewed: running tasks, or claimed ones queued. */
    boolean holdsClaims() {
        return lane.running() > 0 || executor.holdsQueuedClaims();
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
        CompletableFuture<ExecutionResult> future = waiting.computeIfAbsent(executionId, id -> new CompletableFuture<>());
        ExecutionRecord record = store.findExecution(executionId).orElseThrow(() -> {
            waiting.remove(executionId);
            return CloacaException.notFound("Execution not found: " + executionId);
        });
        if (record.status().isTerminal()) {
            executionEnded(record);
        }
        return await(executionId, future, timeout, () -> new CloacaException(CloacaException.Kind.TIMEOUT,
                "Execution " + executionId + " did not end within " + RunnerConfig.seconds(timeout)));
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw CloacaException.illegalState("Runner is shut down");
        }
    }

    /**
     * Stops taking work, lets running tasks finish for up to the configured shutdown grace, gives back
     * the claims of tasks it had not started, fails pending
     * {@code execute} calls, and closes the pool. Executions left unfinished stay in the database.
     * Idempotent.
     */
    public void shutdown() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        maintenance.stop();
        if (!resources.workers.closeLane(lane, config.shutdownGrace())) {
            LOG.warn("Runner {}: tasks still running after {}; their claims expire with their leases",
                    runnerId, RunnerConfig.seconds(config.shutdownGrace()));
        }
        try {
            executor.releasePreclaimed();
        } catch (RuntimeException e) {
            LOG.warn("Runner {}: could not give back unstarted claims; they expire with their leases: {}",
                    runnerId, e.getMessage());
        }
        waiting.forEach((id, future) -> future.completeExceptionally(CloacaException.illegalState(
                "Runner was shut down before execution " + id + " finished; it is kept in the database")));
        waiting.clear();
        onShutdown.accept(this);
        LOG.debug("Runner {} shut down", runnerId);
    }

    @Override
    public void close() {
        shutdown();
    }
}
