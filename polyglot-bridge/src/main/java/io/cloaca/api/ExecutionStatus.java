package io.cloaca.api;

import java.util.Arrays;

/**
 * Where an execution stands: RUNNING until it ends, then COMPLETED or FAILED, for good. Results of
 * {@link Cloaca#execute} and {@link Cloaca#submit} have ended; {@link Cloaca#execution} and
 * {@link Cloaca#executions} also show executions still running.
 */
public enum ExecutionStatus {
    /** Written with its tasks when the execution starts; some of them have not ended yet. */
    RUNNING,
    /** Every task completed or was skipped by its trigger rule. */
    COMPLETED,
    /** At least one task failed for good (its retries used up), or the execution could not run. */
    FAILED;

    static ExecutionStatus of(io.cloaca.engine.store.ExecutionStatus status) {
        // By name, so a status the engine adds later fails here, loudly, rather than being misread.
        return valueOf(status.name().toUpperCase(java.util.Locale.ROOT));
    }

    /** The engine's status of this name: the inverse of {@link #of}, so the names are matched in one place. */
    io.cloaca.engine.store.ExecutionStatus engine() {
        return Arrays.stream(io.cloaca.engine.store.ExecutionStatus.values()).filter(s -> of(s) == this)
                .findFirst().orElseThrow();
    }
}
