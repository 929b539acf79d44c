package io.cloaca.api;

/** Where a task of an execution stands. Once the execution has ended, its tasks are COMPLETED, FAILED or SKIPPED, or NOT_STARTED when the execution stopped before reaching them. */
public enum TaskStatus {
    /** Waiting for its dependencies. */
    NOT_STARTED,
    /** Due to run (or to run again after a failed attempt). */
    READY,
    /** An attempt is running. */
    RUNNING,
    /** An attempt returned. */
    COMPLETED,
    /** The last allowed attempt failed. */
    FAILED,
    /** Its trigger rule did not hold, so it never ran. */
    SKIPPED;

    static TaskStatus of(io.cloaca.engine.store.TaskStatus status) {
        return switch (status) {
            case NotStarted -> NOT_STARTED;
            case Ready -> READY;
            case Running -> RUNNING;
            case Completed -> COMPLETED;
            case Failed -> FAILED;
            case Skipped -> SKIPPED;
        };
    }
}
