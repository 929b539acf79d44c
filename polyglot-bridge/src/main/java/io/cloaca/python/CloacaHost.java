package io.cloaca.python;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.cloaca.engine.CloacaException;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.RunnerFactory;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.tenancy.Identifiers;
import io.cloaca.engine.tenancy.TenantAdmin;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.retry.BackoffStrategy;
import io.cloaca.engine.retry.RetryCondition;
import io.cloaca.engine.retry.RetryPolicy;
import io.cloaca.engine.workflow.TaskDefinition;
import io.cloaca.engine.workflow.TaskNamespace;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.Value;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

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

    CloacaHost(RunnerFactory runners, PythonErrors errors, KeyboardInterrupts interrupts) {
        this.registry = runners.registry();
        this.runners = runners;
        this.errors = errors;
        this.interrupts = interrupts;
    }

    /**
     * Builds and validates a workflow.
     *
     * @param errorPrefix prepended to a validation error ("Failed to build workflow: " or "Workflow validation failed: ")
     * @param tasks       a Python list of {@code [namespace, [dependency namespaces], retry_json, invoker]}
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
                builder.add(new TaskDefinition(TaskNamespace.parse(spec.getArrayElement(0).asString()), deps,
                        retryPolicy(readJson(spec.getArrayElement(2).asString())),
                        new PythonTaskBody(spec.getArrayElement(3))));
            }
            return new WorkflowHandle(builder.build());
        } catch (CloacaException e) {
            throw errors.translate(errorPrefix, e);
        }
    }

    /** Makes {@code workflow} runnable under {@code name}, replacing any earlier one. */
    @HostAccess.Export
    public void registerWorkflow(String name, WorkflowHandle workflow) {
        registry.register(name, workflow.workflow());
    }

    /**
     * Opens a runner.
     *
     * @param configJson the engine-relevant knobs of DefaultRunnerConfig, or null for defaults
     */
    @HostAccess.Export
    public RunnerHandle createRunner(String url, String configJson) {
        try {
            RunnerConfig config = configJson == null ? RunnerConfig.DEFAULT : runnerConfig(readJson(configJson));
            return new RunnerHandle(runners.open(url, config), errors, interrupts);
        } catch (CloacaException e) {
            throw errors.translate("Failed to create DefaultRunner: ", e);
        }
    }

    /**
     * Opens a runner in PostgreSQL schema {@code schema} with the default configuration. Name and URL
     * errors keep their own message; any later failure is reported as upstream words it.
     */
    @HostAccess.Export
    public RunnerHandle createSchemaRunner(String url, String schema) {
        try {
            Identifiers.schema(schema);
            if (!(DatabaseUrl.parse(url) instanceof DatabaseUrl.Postgres)) {
                return new RunnerHandle(runners.openSchema(url, schema, RunnerConfig.DEFAULT), errors, interrupts);
            }
        } catch (CloacaException e) {
            throw errors.translate("", e);
        }
        try {
            return new RunnerHandle(runners.openSchema(url, schema, RunnerConfig.DEFAULT), errors, interrupts);
        } catch (CloacaException e) {
            throw errors.raise("ValueError", "Failed to create DefaultRunner with schema: Failed to set up schema '"
                    + schema + "': " + e.getMessage());
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

    private static RunnerConfig runnerConfig(JsonNode c) {
        JsonNode timeout = c.path("pipeline_timeout_seconds");
        return RunnerConfig.builder()
                .maxConcurrentTasks(c.path("max_concurrent_tasks").asInt(RunnerConfig.DEFAULT_MAX_CONCURRENT_TASKS))
                .taskTimeout(Duration.ofSeconds(c.path("task_timeout_seconds").asLong(300)))
                .executionTimeout(timeout.isNull() ? null : Duration.ofSeconds(timeout.asLong(3600)))
                .dbPoolSize(c.path("db_pool_size").asInt(RunnerConfig.DEFAULT_DB_POOL_SIZE))
                .pollInterval(Duration.ofMillis(c.path("executor_poll_interval_ms").asLong(100)))
                .leaseDuration(seconds(c.path("stale_claim_threshold_seconds"), RunnerConfig.DEFAULT_LEASE))
                .heartbeatInterval(seconds(c.path("heartbeat_interval_seconds"), RunnerConfig.DEFAULT_HEARTBEAT))
                .sweepInterval(seconds(c.path("stale_claim_sweep_interval_seconds"), RunnerConfig.DEFAULT_SWEEP))
                .maxRecoveries(c.path("max_recovery_attempts").asInt(RunnerConfig.DEFAULT_MAX_RECOVERIES))
                .shutdownGrace(seconds(c.path("shutdown_timeout_seconds"), RunnerConfig.DEFAULT_SHUTDOWN_GRACE))
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
            throw CloacaException.invalidArgument("Malformed JSON from the cloaca package: " + e.getOriginalMessage());
        }
    }
}
