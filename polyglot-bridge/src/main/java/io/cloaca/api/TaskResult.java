package io.cloaca.api;

import java.util.Objects;

/**
 * What one task of an execution came to.
 *
 * @param name     the task's id in its workflow
 * @param status   its status when read: for an ended execution, when it ended
 * @param attempts attempts begun (0 for a task that never ran)
 * @param error    the last failed attempt's error, e.g. "IllegalStateException: no stock", or null
 */
public record TaskResult(String name, TaskStatus status, int attempts, String error) {

    /** @throws NullPointerException if {@code name} or {@code status} is null */
    public TaskResult {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(status, "status");
    }
}
