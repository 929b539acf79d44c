package io.cloaca.api;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An execution and its tasks: how it ended, as {@link Cloaca#execute} and {@link Cloaca#submit} return it
 * (COMPLETED or FAILED), or how it stands now, as {@link Cloaca#execution} reads it (also RUNNING). A failed
 * task does not throw: it shows here.
 *
 * @param executionId  the execution's id in the database
 * @param workflowName the workflow it ran
 * @param status       COMPLETED or FAILED once it has ended; RUNNING before
 * @param context      the output of the last task to complete (the input if none completed, and while RUNNING)
 * @param tasks        every task of the execution, in the order they started (those never started last)
 * @param errorMessage "N task(s) failed, M completed, K skipped" when FAILED, else null
 * @param startedAt    when the execution was created
 * @param completedAt  when it ended; null while RUNNING
 */
public record ExecutionResult(String executionId, String workflowName, ExecutionStatus status, Context context,
                             List<TaskResult> tasks, String errorMessage, Instant startedAt, Instant completedAt) {

    /** @throws NullPointerException if {@code executionId}, {@code status}, {@code context} or {@code tasks} is null */
    public ExecutionResult {
        Objects.requireNonNull(executionId, "executionId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(context, "context");
        tasks = List.copyOf(tasks);
    }

    /** Whether the execution completed (false while it is RUNNING). */
    public boolean succeeded() {
        return status == ExecutionStatus.COMPLETED;
    }

    /** The outcome of task {@code name}, or empty if the workflow has no such task. */
    public Optional<TaskResult> task(String name) {
        Objects.requireNonNull(name, "name");
        return tasks.stream().filter(t -> t.name().equals(name)).findFirst();
    }
}
