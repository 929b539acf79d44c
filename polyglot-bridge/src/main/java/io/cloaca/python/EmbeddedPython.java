package io.cloaca.python;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.workflow.TaskBody;
import org.graalvm.polyglot.Value;

import java.util.List;
import java.util.Optional;

/**
 * What the public Java API ({@code io.cloaca.api}) needs from a {@link PythonRuntime}: run a workflow
 * file as a module and find the Python tasks it declared, to put them into workflows built in Java.
 * The Python side is the shim's {@code _load_file} and {@code _embedded_task}, which never raise: they
 * answer plain values, so no Python exception object has to be read from Java.
 */
public final class EmbeddedPython {

    /**
     * Why a workflow file could not be loaded.
     *
     * @param type    the Python exception's type, e.g. "SyntaxError"
     * @param line    the line of the file the error points at, 0 when it has none
     * @param details the Python traceback
     */
    public record LoadFailure(String type, String message, int line, String details) {
    }

    private final Value cloaca;
    private final PythonErrors errors;
    private final WorkerContexts workers;

    public EmbeddedPython(PythonRuntime runtime) {
        // An expression: evaluating it in __main__ leaves no name behind there.
        this.cloaca = runtime.eval("__import__('cloaca')");
        this.errors = new PythonErrors(cloaca);
        this.workers = runtime.workers();
    }

    /**
     * Runs {@code source} as the module of file {@code fileName} (its workflows and tasks register as
     * the file runs); worker interpreters load it too, before their next task.
     *
     * @return the failure, or empty when the file ran to its end
     */
    public Optional<LoadFailure> load(String fileName, String source) {
        Value answer = cloaca.getMember("_load_file").execute(source, fileName);
        if (answer.isNull()) {
            if (workers != null) {
                workers.file(fileName, source);
            }
            return Optional.empty();
        }
        JsonNode failure = readJson(answer.asString());
        return Optional.of(new LoadFailure(failure.path("type").asText(), failure.path("message").asText(),
                failure.path("line").asInt(0), failure.path("details").asText("")));
    }

    /** The body of the Python task declared with id {@code taskId}, or empty if no loaded file declares it. */
    public Optional<TaskBody> task(String taskId) {
        Value invoker = cloaca.getMember("_embedded_task").execute(taskId);
        return invoker.isNull() ? Optional.empty()
                : Optional.of(new PythonTaskBody(WorkerContexts.embeddedTask(taskId), invoker, errors, workers));
    }

    /** Ids of the Python tasks declared so far, sorted. */
    public List<String> taskIds() {
        try {
            return Context.JSON.readValue(cloaca.getMember("_embedded_task_ids").execute().asString(),
                    new TypeReference<List<String>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cloaca._embedded_task_ids answered unreadable JSON", e);
        }
    }

    private static JsonNode readJson(String json) {
        try {
            return Context.JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cloaca._load_file answered unreadable JSON: " + json, e);
        }
    }
}
