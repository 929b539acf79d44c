package io.cloaca.api;

/**
 * Where a task of an execution stands. Once the execution has ended, its tasks are COMPLETED, FAILED or
 * SKIPPED, or NOT_STARTED when the execution stopped before reaching them.
 */
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
        // By name (NotStarted -> NOT_STARTED), so a status the engine adds later fails here, loudly.
        return valueOf(status.name().replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(java.util.Locale.ROOT));
    }
}
