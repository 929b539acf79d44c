package io.cloaca.engine.store;

/** One task row as stored: every attempt updates it, so it holds the latest attempt's outcome. */
public record TaskRecord(String id, String executionId, String taskName, TaskStatus status, int attempt,
                         int maxAttempts, String outputContext, String lastError, String errorDetails,
                         String claimedBy, Long startedAt, Long completedAt, int recoveryAttempts) {
}
