package io.cloaca.python;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.workflow.AttemptHandle;
import io.cloaca.engine.workflow.TaskBody;
import io.cloaca.engine.workflow.TaskHandle;
import io.cloaca.engine.workflow.TaskFailedException;
import org.graalvm.polyglot.Value;

/**
 * A task whose body is a Python function. The context goes in as a pickle of its JSON values
 * ({@link PickledJson}) and comes back as JSON text: both are parsed in bulk on the other side, the
 * fastest conversions measured, and Python always gets real dicts and lists. The shim's invoker
 * catches the function's exceptions itself and answers {@code {"ok": false, "error": ..., "details":
 * traceback}}, so no Python exception object has to be read from Java.
 *
 * <p>With worker interpreters ({@link WorkerContexts}), a call runs the same task's function in a borrowed
 * worker interpreter, or in the script's when none is free or has it.
 */
final class PythonTaskBody implements TaskBody {

    /** The task's key among the worker interpreters' callables: its namespace, or an embedded task's id. */
    private final String key;
    private final Value invoker;
    private final PythonErrors errors;
    private final WorkerContexts workers;

    /** @param workers the worker interpreters, or null to call {@code invoker} always */
    PythonTaskBody(String key, Value invoker, PythonErrors errors, WorkerContexts workers) {
        this.key = key;
        this.invoker = invoker;
        this.errors = errors;
        this.workers = workers;
    }

    /** Never: an interrupt reaching GraalPy's threads could stop the interpreter's own waits (its lock). */
    @Override
    public boolean interruptible() {
        return false;
    }

    /** Outside a runner: the function gets a handle that holds no slot (see {@link TaskBody#withHandle}). */
    @Override
    public Context run(Context input) throws TaskFailedException {
        AttemptHandle handle = new AttemptHandle("(outside a runner)", AttemptHandle.Slot.NONE);
        try {
            return run(input, handle);
        } finally {
            handle.consume();
        }
    }

    /** The shim passes the handle on only to functions that take one. */
    @Override
    public Context run(Context input, TaskHandle handle) throws TaskFailedException {
        WorkerContexts.Worker worker = workers == null ? null : workers.acquire(key).orElse(null);
        String reply;
        try {
            reply = (worker == null ? invoker : worker.invoker(key)).execute(input.read(PickledJson::of),
                    new PythonTaskHandle(handle, worker == null ? errors : worker.errors())).asString();
        } finally {
            if (worker != null) {
                workers.release(worker);
            }
        }
        JsonNode answer;
        try {
            answer = Context.JSON.readTree(reply);
        } catch (JsonProcessingException e) {
            // The output goes along as the details, which the executor caps: it may be the whole context.
            throw new TaskFailedException("The task's output could not be read as JSON: " + Context.problem(e), reply);
        }
        if (answer.path("ok").asBoolean(false)) {
            return Context.owning((ObjectNode) answer.get("context"));
        }
        throw new TaskFailedException(answer.path("error").asText("Python task execution failed"),
                answer.path("details").isNull() ? null : answer.path("details").asText(null));
    }
}
