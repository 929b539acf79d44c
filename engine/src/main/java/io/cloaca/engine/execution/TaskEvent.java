package io.cloaca.engine.execution;

/**
 * Something that happened to a task attempt in this process, as seen by a {@link TaskListener}. Events
 * describe attempts run here only: tasks run by other processes on the same database are not reported,
 * and neither are tasks skipped by a trigger rule (they never start).
 */
public sealed interface TaskEvent {

    /** The execution the task belongs to. */
    String executionId();

    /** The workflow's name. */
    String workflowName();

    /** The task's namespaced name ({@code workflow::task}). */
    String taskName();

    /** This attempt's number, from 1. */
    int attempt();

    /** The body is about to run. */
    record Started(String executionId, String workflowName, String taskName, int attempt, int maxAttempts)
            implements TaskEvent {
    }

    /** The attempt succeeded and its output was recorded. */
    record Succeeded(String executionId, String workflowName, String taskName, int attempt, long elapsedMillis)
            implements TaskEvent {
    }

    /** The attempt failed and will be tried again after {@code delayMillis}. */
    record Retrying(String executionId, String workflowName, String taskName, int attempt, int maxAttempts,
                    long elapsedMillis, long delayMillis, String error) implements TaskEvent {
    }

    /** The attempt failed and the task will not be tried again. */
    record Failed(String executionId, String workflowName, String taskName, int attempt, long elapsedMillis,
                  String error) implements TaskEvent {
    }
}
