package io.cloaca.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.ExecutionResult;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.retry.BackoffStrategy;
import io.cloaca.engine.retry.RetryCondition;
import io.cloaca.engine.retry.RetryPolicy;
import io.cloaca.engine.store.TaskRecord;
import io.cloaca.engine.workflow.TaskBody;
import io.cloaca.engine.workflow.TaskNamespace;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.junit.jupiter.api.function.Executable;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Small helpers shared by the engine tests: JSON, runners on SQLite, task rows, expected errors. */
public final class TestSupport {

    /** How long a test thread or task waits on a latch or barrier before declaring the engine stuck. */
    public static final Duration GENEROUS = Duration.ofSeconds(30);

    private TestSupport() {
    }

    // ---- JSON and contexts ------------------------------------------------------------------------

    /** Parses JSON written with single quotes for readability: {@code json("{'a': [1, 2]}")}. */
    public static ObjectNode json(String singleQuoted) {
        return Context.fromJson(singleQuoted.replace('\'', '"')).toJsonNode();
    }

    public static Context context(String singleQuoted) {
        return Context.of(json(singleQuoted));
    }

    public static Context parse(String jsonText) {
        return Context.fromJson(jsonText);
    }

    /** The elements of a JSON array of strings, in order. */
    public static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(e -> out.add(e.asText()));
        return out;
    }

    /** A body that appends {@code value} to the string list under {@code key}, creating it if absent. */
    public static TaskBody append(String key, String value) {
        return ctx -> {
            JsonNode existing = ctx.get(key);
            ArrayNode list = existing instanceof ArrayNode a ? a.deepCopy() : Context.JSON.createArrayNode();
            list.add(value);
            return ctx.set(key, list);
        };
    }

    // ---- workflows and runners --------------------------------------------------------------------

    public static WorkflowRegistry registryOf(Workflow... workflows) {
        WorkflowRegistry registry = new WorkflowRegistry();
        for (Workflow workflow : workflows) {
            registry.register(workflow);
        }
        return registry;
    }

    public static RunnerConfig concurrency(int maxConcurrentTasks) {
        return RunnerConfig.builder().maxConcurrentTasks(maxConcurrentTasks).build();
    }

    /**
     * A runner on a private database of the backend under test: an in-memory SQLite database, or with
     * {@code -Dcloaca.test.backend=postgresql} a fresh schema on the test server (see {@link TestDatabases}).
     */
    public static Runner memoryRunner(Workflow... workflows) {
        return memoryRunner(RunnerConfig.DEFAULT, workflows);
    }

    public static Runner memoryRunner(RunnerConfig config, Workflow... workflows) {
        return Runner.open(TestDatabases.privateDatabaseUrl(), config, registryOf(workflows));
    }

    public static Runner fileRunner(Path file, RunnerConfig config, Workflow... workflows) {
        return Runner.open("sqlite://" + file.toAbsolutePath(), config, registryOf(workflows));
    }

    /** Builds a one-workflow runner in memory, executes it once with {@code input}, returns the result. */
    public static ExecutionResult runOnce(Workflow workflow, Context input) {
        try (Runner runner = memoryRunner(workflow)) {
            return runner.execute(workflow.name(), input);
        }
    }

    // ---- retry policies ---------------------------------------------------------------------------

    /** {@code attempts} executions, a fixed delay of a few milliseconds, no jitter. */
    public static RetryPolicy quickRetry(int attempts, RetryCondition condition) {
        return new RetryPolicy(attempts, new BackoffStrategy.Fixed(), Duration.ofMillis(5), Duration.ofMillis(5),
                false, condition);
    }

    // ---- task rows --------------------------------------------------------------------------------

    /** The task rows of an execution, keyed by task id (the last namespace part). */
    public static Map<String, TaskRecord> taskRows(Runner runner, String executionId) {
        return runner.history().tasks(executionId).stream()
                .collect(Collectors.toMap(t -> TaskNamespace.parse(t.taskName()).task(), Function.identity()));
    }

    /** The stored output of task {@code id}, or null when it produced none. */
    public static Context output(Runner runner, String executionId, String id) {
        String json = taskRows(runner, executionId).get(id).outputContext();
        return json == null ? null : Context.fromJson(json);
    }

    // ---- expected errors --------------------------------------------------------------------------

    /** Asserts that {@code call} throws a {@link CloacaException} of {@code kind}, and returns it. */
    public static CloacaException assertCloaca(CloacaException.Kind kind, Executable call) {
        CloacaException e = assertThrows(CloacaException.class, call);
        assertEquals(kind, e.kind(), () -> "kind of: " + e.getMessage());
        return e;
    }

    /** The embedded namespace string of task {@code task} of workflow {@code workflow}. */
    public static String ns(String workflow, String task) {
        return TaskNamespace.embedded(workflow, task).toString();
    }
}
