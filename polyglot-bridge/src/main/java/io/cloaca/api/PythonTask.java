package io.cloaca.api;

import io.cloaca.engine.workflow.TaskBody;

/**
 * A task whose body is a Python function from a loaded file. As a {@link Task} called directly (outside
 * a workflow) it runs the function on the given context.
 */
final class PythonTask implements Task {

    private final String id;
    private final TaskBody body;

    PythonTask(String id, TaskBody body) {
        this.id = id;
        this.body = body;
    }

    TaskBody body() {
        return body;
    }

    @Override
    public void run(Context context) throws Exception {
        Context output = ContextValues.fromEngine(body.run(ContextValues.toEngine(context)));
        context.values().clear();
        context.values().putAll(output.values());
    }

    @Override
    public String toString() {
        return "PythonTask(" + id + ")";
    }
}
