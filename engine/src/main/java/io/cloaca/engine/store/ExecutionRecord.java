package io.cloaca.engine.store;

/**
 * A workflow execution as stored.
 *
 * @param finalContext JSON of the last completed task's output (the initial context when none completed);
 *                     null while running
 * @param completedAt  epoch millis, or null while running
 */
public record ExecutionRecord(String id, String workflowName, String workflowVersion, ExecutionStatus status,
                              String initialContext, String finalContext, String errorMessage,
                              long startedAt, Long completedAt) {
}
