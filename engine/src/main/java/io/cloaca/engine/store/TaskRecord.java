package io.cloaca.engine.store;

/** One task row as stored: every attempt updates it, so it holds the latest attempt's outcome. */
public record TaskRecord(String id, String executionId, String taskName, TaskStatus status, int attempt,
                         int maxAttempts, String outputContext, String lastError, String errorDetails,
                         String claimedBy, Long startedAt, Long completedAt, int recoveryAttempts) {

    /**
     * Attempts begun so far. {@code attempt} is the number of the current attempt, which a task waiting
     * to start (NotStarted, or Ready for a retry) has not used yet.
     */
    public int attemptsUsed() {
        if (status == null) {
            return attempt; // a status this engine does not know: show the row as it is
        }
        return switch (status) {
            case NotStarted, Skipped -> 0;
            case Ready -> attempt - 1;
            case Running, Completed, Failed -> attempt;
        };
    }
}
