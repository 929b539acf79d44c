package io.cloaca.api;

/** How an execution ended. */
public enum ExecutionStatus {
    /** Every task completed or was skipped by its trigger rule. */
    COMPLETED,
    /** At least one task failed for good (its retries used up), or the execution could not run. */
    FAILED;

    static ExecutionStatus of(io.cloaca.engine.store.ExecutionStatus status) {
        // By name, so a status the engine adds later fails here, loudly, rather than being misread.
        return valueOf(status.name().toUpperCase(java.util.Locale.ROOT));
    }
}
