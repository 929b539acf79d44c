package io.cloaca.python;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.cloaca.engine.CloacaException;
import io.cloaca.engine.CloacaVersion;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.cron.CronConfig;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerFactory;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.tenancy.Identifiers;
import io.cloaca.engine.tenancy.TenantAdmin;
import io.cloaca.engine.trigger.TriggerConfig;
import io.cloaca.engine.trigger.TriggerDefinition;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.retry.BackoffStrategy;
import io.cloaca.engine.retry.RetryCondition;
import io.cloaca.engine.retry.RetryPolicy;
import io.cloaca.engine.workflow.TaskDefinition;
import io.cloaca.engine.workflow.TaskNamespace;
import io.cloaca.engine.workflow.TriggerRule;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.Value;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The only Java object the {@code cloaca} Python package talks to. It takes plain strings, JSON text
 * and Python callables, never keyword arguments (host methods cannot take them): the shim turns the
 * Pythonic API into these calls.
 */
public final class CloacaHost {

    private final WorkflowRegistry registry;
    private final RunnerFactory runners;
    private final PythonErrors errors;
    private final KeyboardInterrupts interrupts;
    /** Triggers the script defined, by name: like workflows, every runner the script opens polls them. */
    private final Map<String, TriggerDefinition> triggers = new ConcurrentHashMap<>();
    /** Runners opened by the script and not shut down, which a trigger defined later joins too. */
    private final List<Runner> live = new CopyOnWriteArrayList<>();
    /** The worker threads' interpreters that run this host's tasks when they can, or null. */
    private final WorkerContexts workers;
    /**
     * In a worker's interpreter: where its task callables go, by namespace; null in the script's own. A
     * worker's host registers nothing and opens no runner: the script's interpreter does that.
     */
    private final Map<String, Value> workerInvokers;
    /** Whether this interpreter's Python is JIT-compiled. */
    private final boolean compiled;

    CloacaHost(RunnerFactory runners, PythonErrors errors, KeyboardInterrupts interrupts, WorkerContexts workers,
               boolean compiled) {
        this(runners.registry(), runners, errors, interrupts, workers, null, compiled);
    }

    private CloacaHost(WorkflowRegistry registry, RunnerFactory runners, PythonErrors errors,
                       KeyboardInterrupts interrupts, WorkerContexts workers, Map<String, Value> workerInvokers,
                       boolean compiled) {
        this.registry = registry;
        this.runners = runners;
        this.errors = errors;
        this.interrupts = interrupts;
        this.workers = workers;
        this.workerInvokers = workerInvokers;
        this.compiled = compiled;
    }

    /** The host of a worker thread's interpreter, which records each task callable the script declares in {@code invokers}. */
    static CloacaHost forWorker(PythonErrors errors, Map<String, Value> invokers, boolean compiled) {
        return new CloacaHost(new WorkflowRegistry(), null, errors, null, null, invokers, compiled);
    }

    private void refuseInWorker(String what) {
        if (workerInvokers != null) {
            throw errors.raise("RuntimeError", what + " cannot be opened in a worker thread's interpreter (cloaca run "
                    + "--python-contexts): open it under if __name__ == \"__main__\":");
        }
    }

    /**
     * Builds and validates a workflow.
     *
     * @param errorPrefix prepended to a validation error ("Failed to build workflow: " or "Workflow validation failed: ")
     * @param tasks       a Python list of {@code [namespace, [dependency namespaces], retry_json, invoker,
     *                    trigger_rule_json or None]}
     */
    @HostAccess.Export
    public WorkflowHandle buildWorkflow(String errorPrefix, String name, String description, String tagsJson,
                                        Value tasks) {
        try {
            Workflow.Builder builder = Workflow.builder(name).description(description);
            JsonNode tags = readJson(tagsJson);
            Iterator<Map.Entry<String, JsonNode>> fields = tags.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> tag = fields.next();
                builder.tag(tag.getKey(), tag.getValue().asText());
            }
            for (long i = 0; i < tasks.getArraySize(); i++) {
                Value spec = tasks.getArrayElement(i);
                List<TaskNamespace> deps = new ArrayList<>();
                Value depList = spec.getArrayElement(1);
                for (long d = 0; d < depList.getArraySize(); d++) {
                    deps.add(TaskNamespace.parse(depList.getArrayElement(d).asString()));
                }
                Value rule = spec.getArrayElement(4);
                String namespace = spec.getArrayElement(0).asString();
                Value invoker = spec.getArrayElement(3);
                if (workerInvokers != null) {
                    workerInvokers.put(namespace, invoker);
                }
                builder.add(new TaskDefinition(TaskNamespace.parse(namespace), deps,
                        retryPolicy(readJson(spec.getArrayElement(2).asString())),
                        new PythonTaskBody(namespace, invoker, errors, workers),
                        rule.isNull() ? TriggerRule.ALWAYS : TriggerRule.fromJson(readJson(rule.asString()))));
            }
            return new WorkflowHandle(builder.build());
        } catch (CloacaException e) {
            throw errors.translate(errorPrefix, e);
        }
    }

    /**
     * Validates a trigger rule in upstream's JSON form.
     *
     * @param errorPrefix prepended to the reason when the rule is invalid (a ValueError)
     * @return the rule's canonical JSON
     */
    @HostAccess.Export
    public String checkTriggerRule(String errorPrefix, String ruleJson) {
        try {
            return TriggerRule.fromJson(readJson(ruleJson)).toJson().toString();
        } catch (CloacaException e) {
            throw errors.translate(errorPrefix, e);
        }
    }

    /** The serde name of an operator spelled any of upstream's ways ("==", "eq", "not_equals"...); ValueError if none. */
    @HostAccess.Export
    public String triggerOperator(String operator) {
        try {
            return TriggerRule.Operator.parse(operator).jsonName;
        } catch (CloacaException e) {
            throw errors.translate("", e);
        }
    }

    /** Makes {@code workflow} runnable under {@code name}, replacing any earlier one. */
    @HostAccess.Export
    public void registerWorkflow(String name, WorkflowHandle workflow) {
        if (workerInvokers != null) {
            return;
        }
        registry.register(name, workflow.workflow());
    }

    /**
     * Defines (or redefines) an event trigger, validated now, and adds it to every open runner; runners
     * opened later get it when they open. Its workflow may be registered later: until it is, each
     * runner records that once in the trigger's history and does not poll it.
     *
     * @param pollInterval upstream's interval string, or null with a cron expression
     * @param cron         a cron expression, or null
     * @param timezone     the cron expression's IANA zone, or null for UTC
     * @param poller       a Python callable taking no argument and answering the JSON of {@link PythonTriggerPoll}
     */
    @HostAccess.Export
    public void defineTrigger(String name, String workflowName, String pollInterval, String cron, String timezone,
                              boolean allowConcurrent, Value poller) {
        if (workerInvokers != null) {
            return; // the script's interpreter polls it
        }
        TriggerDefinition trigger;
        try {
            PythonTriggerPoll poll = new PythonTriggerPoll(name, poller);
            trigger = cron != null
                    ? TriggerDefinition.cron(name, workflowName, cron, timezone == null ? "UTC" : timezone, allowConcurrent,
                    poll)
                    : TriggerDefinition.every(name, workflowName, pollInterval, allowConcurrent, poll);
        } catch (CloacaException e) {
            throw errors.translate("", e);
        }
        triggers.put(name, trigger);
        live.removeIf(Runner::isShutDown);
        for (Runner runner : live) {
            try {
                runner.triggers().declare(trigger);
            } catch (CloacaException e) {
                throw errors.translate("Failed to register trigger '" + name + "': ", e);
            }
        }
    }

    /** Forgets a trigger in this process: no runner of it polls it any more (its rows stay). For tests and the REPL. */
    @HostAccess.Export
    public void forgetTrigger(String name) {
        triggers.remove(name);
        for (Runner runner : live) {
            runner.triggers().forget(name);
        }
    }

    /** A runner just opened: it polls the triggers defined so far, and joins those defined later. */
    private RunnerHandle opened(Runner runner) {
        for (TriggerDefinition trigger : triggers.values()) {
            runner.triggers().declare(trigger);
        }
        live.removeIf(Runner::isShutDown);
        live.add(runner);
        return new RunnerHandle(runner, errors, interrupts);
    }

    /**
     * Opens a runner.
     *
     * @param configJson the engine-relevant knobs of DefaultRunnerConfig, or null for defaults
     */
    @HostAccess.Export
    public RunnerHandle createRunner(String url, String configJson) {
        refuseInWorker("A DefaultRunner");
        try {
            return opened(runners.open(url, runnerConfig(configJson)));
        } catch (CloacaException e) {
            throw errors.translate("Failed to create DefaultRunner: ", e);
        }
    }

    /**
     * Opens a runner in PostgreSQL schema {@code schema}. Name, URL (one whose {@code ?schema=} names
     * another schema included) and configuration errors keep their own message; any later failure is
     * reported as upstream words it, a database that cannot be reached as a RuntimeError (as upstream's
     * later releases), anything else as a ValueError.
     *
     * @param configJson as for {@link #createRunner}
     */
    @HostAccess.Export
    public RunnerHandle createSchemaRunner(String url, String schema, String configJson) {
        refuseInWorker("A DefaultRunner");
        RunnerConfig config;
        try {
            Identifiers.schema(schema);
            config = runnerConfig(configJson);
            if (!(DatabaseUrl.parse(url) instanceof DatabaseUrl.Postgres pg)) {
                return opened(runners.openSchema(url, schema, config));
            }
            pg.pinnedTo(schema); // a URL pinning another schema is the caller's mistake, not a set-up failure
        } catch (CloacaException e) {
            throw errors.translate("", e);
        }
        try {
            return opened(runners.openSchema(url, schema, config));
        } catch (CloacaException e) {
            throw errors.translate("Failed to create DefaultRunner with schema: Failed to set up schema '"
                    + schema + "': ", e);
        }
    }

    /** A tenant administrator on a PostgreSQL URL; no connection is made until it is used. */
    @HostAccess.Export
    public AdminHandle createAdmin(String url) {
        try {
            return new AdminHandle(new TenantAdmin(url), errors);
        } catch (CloacaException e) {
            throw errors.raise("RuntimeError", e.getMessage());
        }
    }

    /**
     * The engine's defaults of the DefaultRunnerConfig knobs it reads, as JSON: the Python module takes
     * its defaults from here, so that {@code DefaultRunner(url)} and {@code DefaultRunner.with_config(url,
     * DefaultRunnerConfig())} run alike. Whole seconds and milliseconds are ints, as upstream's knobs;
     * the durability knobs' seconds are floats, since they may be fractional. The inverse of
     * {@link #runnerConfig(String)}.
     */
    @HostAccess.Export
    public String runnerDefaults() {
        RunnerConfig d = RunnerConfig.DEFAULT;
        Map<String, Object> knobs = new LinkedHashMap<>();
        knobs.put("max_concurrent_tasks", d.maxConcurrentTasks());
        knobs.put("executor_poll_interval_ms", d.pollInterval().toMillis());
        knobs.put("task_timeout_seconds", d.taskTimeout().toSeconds());
        knobs.put("pipeline_timeout_seconds", d.executionTimeout() == null ? null : d.executionTimeout().toSeconds());
        knobs.put("db_pool_size", d.dbPoolSize());
        knobs.put("stale_claim_threshold_seconds", d.leaseDuration().toMillis() / 1000.0);
        knobs.put("heartbeat_interval_seconds", d.heartbeatInterval().toMillis() / 1000.0);
        knobs.put("stale_claim_sweep_interval_seconds", d.sweepInterval().toMillis() / 1000.0);
        knobs.put("max_recovery_attempts", d.maxRecoveries());
        knobs.put("shutdown_timeout_seconds", d.shutdownGrace().toMillis() / 1000.0);
        knobs.put("enable_trigger_scheduling", d.triggers().enabled());
        knobs.put("trigger_poll_timeout_seconds", d.triggers().pollTimeout().toMillis() / 1000.0);
        return WorkflowHandle.json(knobs);
    }

    /**
     * The JSON text {@code json} as a pickle of plain values, one char per byte (see {@link PickledJson}),
     * or null when it is not exactly one JSON value: {@code cloaca._json._loads} then asks json.loads.
     */
    @HostAccess.Export
    public String pickledJson(String json) {
        return PickledJson.ofText(json);
    }

    /**
     * The value Python pickled in {@code pickle} (one char per byte), checked and made JSON (tuples and
     * sets become lists), pickled back for {@code cloaca._json._to_json}; null when it holds anything
     * else or nests deeper than {@code maxLevels} lists and dicts, which Python's own walk then judges
     * (see {@link PlainPickleReader}).
     */
    @HostAccess.Export
    public String plainValuePickle(String pickle, int maxLevels) {
        JsonNode value = PlainPickleReader.read(pickle, maxLevels);
        return value == null ? null : PickledJson.of(value);
    }

    /**
     * Whether this interpreter JIT-compiles Python ({@code --jit}): {@code cloaca._json} then checks
     * values in Python, which compiled code does faster than a trip through the JVM.
     */
    @HostAccess.Export
    public boolean compiled() {
        return compiled;
    }

    /** The version the build stamped, for {@code cloaca.__version__}. */
    @HostAccess.Export
    public String version() {
        return CloacaVersion.get();
    }

    /**
     * The pid of this JVM's parent process, for {@code os.getppid()}: GraalPy's POSIX emulation has no
     * getppid, and its {@code os.getpid()} is this JVM's pid, so this is the parent of the process that
     * names. 0 when the parent is not visible (this JVM is the init of its pid namespace), as getppid(2).
     */
    @HostAccess.Export
    public long parentPid() {
        return ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(0L);
    }

    /**
     * The bytes of a file under {@code /proc}, each as one char (ISO-8859-1), for {@code open()}: GraalPy's
     * POSIX emulation trusts the size the kernel reports for a file, 0 for every {@code /proc} file, and
     * reads nothing, where Java reads to the end.
     *
     * @throws IllegalArgumentException for a path outside {@code /proc}
     * @throws IOException              as the read fails (the caller opened the file already, so rarely)
     */
    @HostAccess.Export
    public String procFile(String path) throws IOException {
        Path file = Path.of(path).normalize();
        if (!file.isAbsolute() || !file.startsWith("/proc")) {
            throw new IllegalArgumentException("procFile reads files under /proc only, got: " + path);
        }
        return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
    }

    /** A DefaultRunnerConfig's knobs as the engine's configuration; null gives the defaults. */
    private static RunnerConfig runnerConfig(String configJson) {
        if (configJson == null) {
            return RunnerConfig.DEFAULT;
        }
        JsonNode c = readJson(configJson);
        RunnerConfig d = RunnerConfig.DEFAULT;
        JsonNode timeout = c.path("pipeline_timeout_seconds");
        return RunnerConfig.builder()
                .maxConcurrentTasks(c.path("max_concurrent_tasks").asInt(d.maxConcurrentTasks()))
                .taskTimeout(Duration.ofSeconds(c.path("task_timeout_seconds").asLong(d.taskTimeout().toSeconds())))
                .executionTimeout(timeout.isNull() ? null : timeout.isNumber() ? Duration.ofSeconds(timeout.asLong())
                        : d.executionTimeout())
                .dbPoolSize(c.path("db_pool_size").asInt(d.dbPoolSize()))
                .pollInterval(Duration.ofMillis(c.path("executor_poll_interval_ms").asLong(d.pollInterval().toMillis())))
                .leaseDuration(seconds(c.path("stale_claim_threshold_seconds"), d.leaseDuration()))
                .heartbeatInterval(seconds(c.path("heartbeat_interval_seconds"), d.heartbeatInterval()))
                .sweepInterval(seconds(c.path("stale_claim_sweep_interval_seconds"), d.sweepInterval()))
                .maxRecoveries(c.path("max_recovery_attempts").asInt(d.maxRecoveries()))
                .shutdownGrace(seconds(c.path("shutdown_timeout_seconds"), d.shutdownGrace()))
                .cron(new CronConfig(c.path("enable_cron_scheduling").asBoolean(d.cron().enabled()),
                        seconds(c.path("cron_poll_interval_seconds"), d.cron().recheck()),
                        (int) Math.min(Integer.MAX_VALUE, c.path("cron_max_catchup_executions").asLong(d.cron().maxCatchup())),
                        Duration.ofMinutes(c.path("cron_lost_threshold_minutes").asLong(d.cron().lostThreshold().toMinutes()))))
                .triggers(new TriggerConfig(c.path("enable_trigger_scheduling").asBoolean(d.triggers().enabled()),
                        seconds(c.path("trigger_poll_timeout_seconds"), d.triggers().pollTimeout())))
                .build();
    }

    private static Duration seconds(JsonNode value, Duration fallback) {
        return value.isNumber() ? Duration.ofMillis(Math.round(value.asDouble() * 1000)) : fallback;
    }

    /** The shim validated the values; this only maps its JSON onto the engine's types. */
    private static RetryPolicy retryPolicy(JsonNode r) {
        BackoffStrategy backoff = switch (r.path("backoff").asText("exponential")) {
            case "fixed" -> new BackoffStrategy.Fixed();
            case "linear" -> new BackoffStrategy.Linear(r.path("multiplier").asDouble(1.0));
            default -> new BackoffStrategy.Exponential(r.path("base").asDouble(2.0), r.path("multiplier").asDouble(1.0));
        };
        RetryCondition condition = switch (r.path("condition").asText("all")) {
            case "never" -> new RetryCondition.Never();
            case "transient" -> new RetryCondition.TransientOnly();
            case "pattern" -> {
                List<String> patterns = new ArrayList<>();
                r.path("patterns").forEach(p -> patterns.add(p.asText()));
                yield new RetryCondition.ErrorPattern(patterns);
            }
            default -> new RetryCondition.AllErrors();
        };
        return new RetryPolicy(r.path("max_attempts").asInt(3), backoff,
                Duration.ofNanos((long) (r.path("initial_delay").asDouble(1.0) * 1e9)),
                Duration.ofNanos((long) (r.path("max_delay").asDouble(60.0) * 1e9)),
                r.path("jitter").asBoolean(true), condition);
    }

    private static JsonNode readJson(String json) {
        try {
            return Context.JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw CloacaException.invalidArgument("Malformed JSON from the cloaca package: " + Context.problem(e));
        }
    }
}
