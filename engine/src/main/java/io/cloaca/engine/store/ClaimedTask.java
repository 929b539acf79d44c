package io.cloaca.engine.store;

/**
 * A task this runner owns until it records an outcome or its lease expires.
 *
 * @param workflowVersion the version of the workflow the execution started with
 * @param initialContext  the execution's input, which root tasks receive
 * @param token           the claim's token: renewing, releasing and completing the claim require it
 */
public record ClaimedTask(String taskId, String executionId, String workflowName, String workflowVersion,
                          String taskName, int attempt, int maxAttempts, String initialContext, String token) {
}
