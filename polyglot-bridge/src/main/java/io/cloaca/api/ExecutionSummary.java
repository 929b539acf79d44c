package io.cloaca.api;

import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * An execution as {@link Cloaca#executions} lists it: where it stands and how many of its tasks are where,
 * without its context or the tasks themselves ({@link Cloaca#execution} reads those).
 *
 * @param executionId  the execution's id in the database
 * @param workflowName the workflow it runs
 * @param status       RUNNING, or COMPLETED or FAILED once it has ended
 * @param startedAt    when the execution was created
 * @param completedAt  when it ended; null while RUNNING
 * @param errorMessage "N task(s) failed, M completed, K skipped" when FAILED, else null
 * @param taskCounts   how many of its tasks are in each status; every status is a key (0 for none), and the
 *                     map cannot be changed
 */
public record ExecutionSummary(String executionId, String workflowName, ExecutionStatus status, Instant startedAt,
                               Instant completedAt, String errorMessage, Map<TaskStatus, Integer> taskCounts) {

    /** @throws NullPointerException if {@code executionId}, {@code status} or {@code taskCounts} is null, or a count is */
    public ExecutionSummary {
        Objects.requireNonNull(executionId, "executionId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(taskCounts, "taskCounts");
        // Every status present, so that taskCounts().get(FAILED) is a number rather than null.
        Map<TaskStatus, Integer> all = new EnumMap<>(TaskStatus.class);
        for (TaskStatus s : TaskStatus.values()) {
            all.put(s, Objects.requireNonNull(taskCounts.getOrDefault(s, 0), () -> "taskCounts of " + s));
        }
        taskCounts = Collections.unmodifiableMap(all);
    }
}
