package io.cloaca.api;

import io.cloaca.engine.workflow.TaskBody;

/**
 * Turns API tasks into engine task bodies, and knows whether the current thread is running one: a task
 * closing the engine would wait for itself to finish, so {@link Cloaca#close()} refuses that.
 */
final class TaskBodies {

    /** The id of the task this thread runs, or null. */
    private static final ThreadLocal<String> RUNNING = new ThreadLocal<>();

    private TaskBodies() {
    }

    static TaskBody of(String id, Task task) {
        if (task instanceof PythonTask python) {
            // Python tasks take the engine's context as it is: converting it twice would buy nothing.
            return new TaskBody() {
                @Override
                public io.cloaca.engine.context.Context run(io.cloaca.engine.context.Context input) throws Exception {
                    RUNNING.set(id);
                    try {
                        return python.body().run(input);
                    } finally {
                        RUNNING.remove();
                    }
                }

                @Override
                public boolean interruptible() {
                    return python.body().interruptible();
                }
            };
        }
        return input -> {
            Context context = ContextValues.fromEngine(input);
            RUNNING.set(id);
            try {
                task.run(context);
            } finally {
                RUNNING.remove();
            }
            return ContextValues.toEngine(context);
        };
    }

    /** The id of the task the calling thread runs, or null when it runs none. */
    static String running() {
        return RUNNING.get();
    }
}
