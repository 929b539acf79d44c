package io.cloaca.api;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.execution.RunnerFactory;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.trigger.TriggerDefinition;
import io.cloaca.engine.trigger.TriggerPoll;
import io.cloaca.engine.trigger.TriggerResult;
import io.cloaca.engine.trigger.TriggerTiming;
import io.cloaca.engine.workflow.WorkflowRegistry;
import io.cloaca.python.EmbeddedPython;
import io.cloaca.python.PythonRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A running workflow engine embedded in a Java application: it runs workflows defined in Java
 * ({@link Workflow}) and in Python files ({@link #python()}) durably on one database, each task's outcome
 * committed before its dependents start, so that an application restarted after a crash finishes what
 * was left.
 *
 * <pre>{@code
 * try (Cloaca cloaca = Cloaca.configure().database("sqlite://app.db").start()) {
 *     cloaca.register(Workflow.named("invoice")
 *             .task("price", ctx -> ctx.put("net", ctx.getInt("quantity") * 12.5))
 *             .task("tax", List.of("price"), ctx -> ctx.put("gross", ctx.getDouble("net") * 1.2))
 *             .build());
 *     ExecutionResult result = cloaca.execute("invoice", Context.of(Map.of("quantity", 4)));
 *     double gross = result.context().getDouble("gross");
 * }
 * }</pre>
 *
 * <p>Threads: {@code maxConcurrentTasks} workers, plus a timer, a maintenance and a heartbeat thread, all
 * named {@code cloaca-...}. Methods may be called from any thread. {@link #close()} stops them.
 */
public final class Cloaca implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Cloaca.class);

    private final WorkflowRegistry registry = new WorkflowRegistry();
    private final RunnerFactory runners;
    private final Runner runner;
    private final HistoryReader history;
    private final Duration executionTimeout;
    private final PythonRuntime.Builder pythonSettings;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Started on first use of {@link #python()}; guarded by {@code this}. */
    private PythonRuntime pythonRuntime;
    private PythonWorkflows python;

    Cloaca(CloacaConfiguration configuration) {
        RunnerConfig config = configuration.runnerConfig();
        this.executionTimeout = config.executionTimeout();
        this.pythonSettings = PythonRuntime.builder().registry(registry).out(configuration.pythonOut)
                .err(configuration.pythonErr).jit(configuration.pythonJit)
                .workerContexts(configuration.pythonContexts);
        this.runners = new RunnerFactory(registry, configuration.clock);
        try {
            this.runner = configuration.schema == null ? runners.open(configuration.database, config)
                    : runners.openSchema(configuration.database, configuration.schema, config);
        } catch (CloacaException e) {
            throw Errors.translate(e);
        }
        this.history = new HistoryReader(runner.history());
        LOG.info("cloaca started on {}{}: maxConcurrentTasks {}, poolSize {}, taskTimeout {}, executionTimeout {}, "
                        + "leaseDuration {}, heartbeatInterval {}, shutdownGrace {}",
                DatabaseUrl.parse(configuration.database).redacted(),
                configuration.schema == null ? "" : " schema " + configuration.schema, config.maxConcurrentTasks(),
                config.dbPoolSize(), config.taskTimeout(), config.executionTimeout(), config.leaseDuration(),
                config.heartbeatInterval(), config.shutdownGrace());
    }

    /** The settings of a new engine, ending in {@link CloacaConfiguration#start()}. */
    public static CloacaConfiguration configure() {
        return new CloacaConfiguration();
    }

    /**
     * Makes {@code workflow} runnable by its name, replacing a workflow of the same name (Java or Python).
     *
     * @return this, to register more
     * @throws NullPointerException  if {@code workflow} is null
     * @throws IllegalStateException after {@link #close()}
     */
    public Cloaca register(Workflow workflow) {
        Objects.requireNonNull(workflow, "workflow");
        ensureOpen();
        registry.register(workflow.definition());
        return this;
    }

    /** Names of the workflows this engine can run, Java and Python. */
    public Set<String> workflows() {
        return registry.names();
    }

    /**
     * The Python side: loads workflow files and hands out their tasks. The interpreter starts on the first
     * call (a second or two); later calls return the same object.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public synchronized PythonWorkflows python() {
        ensureOpen();
        if (python == null) {
            pythonRuntime = pythonSettings.build();
            python = new PythonWorkflows(new EmbeddedPython(pythonRuntime));
        }
        return python;
    }

    /** Runs {@code workflowName} on an empty context; see {@link #execute(String, Context)}. */
    public ExecutionResult execute(String workflowName) {
        return execute(workflowName, Context.empty());
    }

    /**
     * Runs {@code workflowName} to its end and returns how it ended. The execution is written to the database
     * before any task runs; a failed task does not throw, it shows in the result.
     *
     * @throws NullPointerException       if an argument is null
     * @throws IllegalArgumentException   if no workflow of that name is registered (the message lists those that are)
     * @throws ExecutionTimeoutException  if it has not ended within the execution timeout (it carries on)
     * @throws IllegalStateException      after {@link #close()}, or if the engine closes before it ends
     * @throws CloacaApiException         if the database fails
     */
    public ExecutionResult execute(String workflowName, Context input) {
        Submission submission = submit(workflowName, input);
        try {
            return submission.result().get(executionTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new ExecutionTimeoutException(submission.executionId(), executionTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for execution " + submission.executionId()
                    + "; it carries on in the database", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException thrown ? thrown
                    : new CloacaApiException("Execution " + submission.executionId() + " failed", e.getCause());
        }
    }

    /**
     * Starts {@code workflowName} and returns at once, with the execution's id and a future of its result;
     * the execution is in the database when this returns. Use it to run many executions at a time without a
     * thread waiting for each.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if no workflow of that name is registered (the message lists those that are)
     * @throws IllegalStateException    after {@link #close()}
     * @throws CloacaApiException       if the database fails
     */
    public Submission submit(String workflowName, Context input) {
        Objects.requireNonNull(workflowName, "workflowName");
        Objects.requireNonNull(input, "input");
        ensureOpen();
        if (registry.find(workflowName).isEmpty()) {
            throw new IllegalArgumentException("No workflow named '" + workflowName + "' is registered; registered: "
                    + registry.names().stream().sorted().toList());
        }
        Runner.Submission submission;
        try {
            submission = runner.submit(workflowName, ContextValues.toEngine(input));
        } catch (CloacaException e) {
            throw Errors.translate(e);
        }
        // The task history is read off the engine's threads, which complete the engine's future.
        CompletableFuture<ExecutionResult> result = submission.result()
                .handleAsync((ended, failure) -> {
                    if (failure == null) {
                        return history.result(ended);
                    }
                    Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                    throw cause instanceof CloacaException engine ? Errors.translate(engine)
                            : new CloacaApiException("Execution " + submission.executionId() + " failed", cause);
                });
        return new Submission(submission.executionId(), result);
    }

    /**
     * Runs {@code workflowName} at every instant matching {@code cronExpression} in {@code zone}, from the
     * next one on, with an empty context; the schedule is stored in the database, and every engine on it
     * that has the workflow registered fires it, once per instant between them. Instants missed while no
     * engine ran are skipped. Expressions have 5 fields (minute hour day-of-month month day-of-week) or 6
     * (seconds first), as in docs/cron.md.
     *
     * @return the schedule's id, for {@link #unschedule}
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException for an unknown workflow or an invalid expression (the message says why)
     * @throws IllegalStateException    after {@link #close()}
     */
    public String schedule(String workflowName, String cronExpression, ZoneId zone) {
        Objects.requireNonNull(workflowName, "workflowName");
        Objects.requireNonNull(cronExpression, "cronExpression");
        Objects.requireNonNull(zone, "zone");
        ensureOpen();
        try {
            return runner.cron().register(workflowName, cronExpression, zone.getId());
        } catch (CloacaException e) {
            throw Errors.translate(e);
        }
    }

    /**
     * Deletes the schedule {@code scheduleId} made by {@link #schedule}; executions it started are kept.
     *
     * @throws IllegalArgumentException for an id that is not a UUID or names no schedule
     * @throws IllegalStateException    after {@link #close()}
     */
    public void unschedule(String scheduleId) {
        Objects.requireNonNull(scheduleId, "scheduleId");
        ensureOpen();
        try {
            runner.cron().delete(scheduleId);
        } catch (CloacaException e) {
            if (e.kind() == CloacaException.Kind.NOT_FOUND) {
                // The engine's message is upstream's Python one, which names failures that did not happen here.
                throw new IllegalArgumentException("no cron schedule with id '" + scheduleId + "'", e);
            }
            throw Errors.translate(e);
        }
    }

    /**
     * Polls {@code poll} every {@code pollInterval} and starts {@code workflowName} with the context it returns
     * (an empty answer skips). The trigger's row is stored in the database: of all engines on it that define
     * a trigger of this name, one polls per interval; and a poll whose context matches an execution this
     * trigger started that is still running is not started again. Defining a trigger again replaces its
     * poll and timing. Operators see triggers and their history with {@code cloaca triggers}.
     *
     * @return this, to define more
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException for a blank name, a workflow that is not registered, or an interval
     *                                  that is not positive
     * @throws IllegalStateException    after {@link #close()}
     */
    public Cloaca trigger(String name, String workflowName, Duration pollInterval, EventPoll poll) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(workflowName, "workflowName");
        Objects.requireNonNull(pollInterval, "pollInterval");
        Objects.requireNonNull(poll, "poll");
        ensureOpen();
        if (registry.find(workflowName).isEmpty()) {
            throw new IllegalArgumentException("Trigger '" + name + "' names workflow '" + workflowName
                    + "', which is not registered; registered: " + registry.names().stream().sorted().toList());
        }
        try {
            runner.triggers().register(new TriggerDefinition(name, workflowName, new TriggerTiming.Every(pollInterval),
                    false, () -> {
                        Optional<Context> fire = poll.poll();
                        if (fire == null) {
                            throw new TriggerPoll.Failed("Trigger '" + name + "' poll returned null; return "
                                    + "Optional.empty() to skip or Optional.of(context) to fire");
                        }
                        return fire.map(c -> TriggerResult.fire(ContextValues.toEngine(c))).orElse(TriggerResult.skip());
                    }));
        } catch (CloacaException e) {
            throw Errors.translate(e);
        }
        return this;
    }

    /**
     * The execution {@code executionId} as the database holds it now, with its tasks in the order they started:
     * RUNNING (its {@code completedAt} null, its context the input) until it ends, then as {@link #execute}
     * returned it. Any execution on this database (or schema) is found, whichever engine started it.
     *
     * @return the execution, or empty if the database has none of this id
     * @throws NullPointerException     if {@code executionId} is null
     * @throws IllegalArgumentException if {@code executionId} is not a UUID (8-4-4-4-12 hexadecimal digits, as
     *                                  {@link #submit} returns; either case)
     * @throws IllegalStateException    after {@link #close()}
     * @throws CloacaApiException       if the database fails
     */
    public Optional<ExecutionResult> execution(String executionId) {
        Objects.requireNonNull(executionId, "executionId");
        ensureOpen();
        return history.find(executionId);
    }

    /**
     * The executions {@code query} asks for, newest first (by start, to the millisecond), running and ended,
     * whichever engine on this database (or schema) started them.
     *
     * @throws NullPointerException  if {@code query} is null
     * @throws IllegalStateException after {@link #close()}
     * @throws CloacaApiException    if the database fails
     */
    public List<ExecutionSummary> executions(ExecutionQuery query) {
        Objects.requireNonNull(query, "query");
        ensureOpen();
        return history.list(query);
    }

    /** The engine's runner, for tests in this package that drive its clock-bound work on demand. */
    Runner runner() {
        return runner;
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("This cloaca engine is closed; start a new one with Cloaca.configure()");
        }
    }

    /**
     * Stops taking work, lets running tasks finish for up to the shutdown grace, stops the workers and
     * Python, and closes the database. Executions left unfinished stay in the database; an engine started
     * later on it finishes them. A second call does nothing.
     *
     * @throws IllegalStateException when called from inside a task: the engine would wait for the task that
     *                               closes it. Close it from the thread that started it.
     */
    @Override
    public void close() {
        String task = TaskBodies.running();
        if (task != null) {
            throw new IllegalStateException("close() was called from inside task '" + task + "'; a task cannot close "
                    + "the engine that runs it (close would wait for the task itself). Close it from the thread "
                    + "that started it");
        }
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            runner.shutdown();
            runners.close();
        } finally {
            synchronized (this) {
                if (pythonRuntime != null) {
                    pythonRuntime.close();
                }
            }
        }
        LOG.info("cloaca stopped");
    }
}
