package io.cloaca.engine.execution;

/**
 * Receives the {@link TaskEvent}s of every runner a {@link RunnerFactory} opens (for example to show
 * progress). Called on the worker thread that ran the task, after its outcome was recorded, so it must
 * return quickly; an exception it throws is logged and otherwise ignored.
 */
@FunctionalInterface
public interface TaskListener {

    void onEvent(TaskEvent event);
}
