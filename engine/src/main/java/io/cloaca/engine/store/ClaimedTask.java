package io.cloaca.engine.store;

/**
 * A task this runner owns until it records an outcome or its lease expires.
 *
 * @param initialContext the execution's input, which root tasks receive
 */
public record ClaimedTask(String taskId, String executionId, String workflowName, String taskName, int attempt,
                          int maxAttempts, String initialContext) {
}
