package io.cloaca.engine.execution;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.store.Database;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.ExecutionStore;
import io.cloaca.engine.store.FinishResult;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

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
 * <p>Threads: {@code max_concurrent_tasks} workers named {@code cloaca-<id>-worker-N}, plus one timer
 * thread for retry delays and attempt timeouts. {@link #execute} blocks its caller on a completion
 * signal, not a poll.
 */
public final class Runner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Runner.class);
    /** How long {@link #shutdown()} lets running tasks finish before interrupting them. */
    public static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);

    private final String runnerId = UUID.randomUUID().toString();
    private final Database database;
    private final ExecutionStore store;
    private final WorkflowRegistry registry;
    private final RunnerConfig config;
    private final Clock clock;
    private final ScheduledExecutorService timers;
    private final WorkerPool workers;
    private final Map<String, CompletableFuture<ExecutionResult>> waiting = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private Runner(Database database, String schema, WorkflowRegistry registry, RunnerConfig config, Clock clock) {
        this.database = database;
        this.store = new ExecutionStore(database, schema);
        this.registry = registry;
        this.config = config;
        this.clock = clock;
        String name = "cloaca-" + runnerId.substring(0, 8);
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name + "-timer");
            t.setDaemon(true);
            return t;
        });
        TaskExecutor executor = new TaskExecutor(store, registry, config, runnerId, clock, timers, this::enqueue,
                this::onFinish);
        this.workers = new WorkerPool(name, config.maxConcurrentTasks(), executor::run);
    }

    /**
     * Opens the database named by {@code url} (see {@link DatabaseUrl} for the forms), creates or
     * upgrades its tables and starts the workers.
     *
     * @throws CloacaException INVALID_ARGUMENT for a bad URL, STORAGE when the database cannot be
     *     opened or migrated
     */
    public static Runner open(String url, RunnerConfig config, WorkflowRegistry registry) {
        Database database = Database.open(DatabaseUrl.parse(url), config.dbPoolSize(), config.sqliteDurable());
        try {
            database.migrate(null);
            return new Runner(database, null, registry, config, Clock.systemUTC());
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
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
            List<String> roots = store.createExecution(executionId, workflowName, workflow, input.toJson(), clock.millis());
            roots.forEach(this::enqueue);
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
        try {
            return timeout == null ? submission.result().get()
                    : submission.result().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            waiting.remove(submission.executionId());
            throw new CloacaException(CloacaException.Kind.TIMEOUT, "Pipeline timeout after " + timeout.toSeconds() + "s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CloacaException.illegalState("Interrupted while waiting for execution " + submission.executionId());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private void enqueue(String taskId) {
        workers.submit(taskId);
    }

    private void onFinish(FinishResult result) {
        if (result.finished() != null) {
            CompletableFuture<ExecutionResult> future = waiting.remove(result.finished().id());
            if (future != null) {
                future.complete(ExecutionResult.of(result.finished()));
            }
        }
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw CloacaException.illegalState("Runner is shut down");
        }
    }

    /**
     * Stops taking work, lets running tasks finish for up to {@link #SHUTDOWN_GRACE}, fails pending
     * {@code execute} calls, and closes the pool. Executions left unfinished stay in the database.
     * Idempotent.
     */
    public void shutdown() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        workers.shutdown(SHUTDOWN_GRACE);
        timers.shutdownNow();
        waiting.forEach((id, future) -> future.completeExceptionally(CloacaException.illegalState(
                "Runner was shut down before execution " + id + " finished; it is kept in the database")));
        waiting.clear();
        database.close();
        LOG.debug("Runner {} shut down", runnerId);
    }

    @Override
    public void close() {
        shutdown();
    }
}
