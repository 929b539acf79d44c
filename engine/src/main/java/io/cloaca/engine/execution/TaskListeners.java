package io.cloaca.engine.execution;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The listeners of one {@link RunnerFactory}: a listener that throws never disturbs the task or the others. */
final class TaskListeners {

    private static final Logger LOG = LoggerFactory.getLogger(TaskListeners.class);

    private final List<TaskListener> listeners = new CopyOnWriteArrayList<>();

    void add(TaskListener listener) {
        listeners.add(listener);
    }

    void remove(TaskListener listener) {
        listeners.remove(listener);
    }

    void publish(TaskEvent event) {
        for (TaskListener listener : listeners) {
            try {
                listener.onEvent(event);
            } catch (RuntimeException e) {
                LOG.warn("A task listener failed on {} of task {}", event.getClass().getSimpleName(),
                        event.taskName(), e);
            }
        }
    }
}
