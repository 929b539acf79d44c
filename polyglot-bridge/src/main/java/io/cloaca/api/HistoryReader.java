package io.cloaca.api;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.store.ExecutionHistory;
import io.cloaca.engine.store.ExecutionRecord;
import io.cloaca.engine.store.RowIds;
import io.cloaca.engine.store.TaskRecord;
import io.cloaca.engine.workflow.TaskNamespace;

import java.time.Instant;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Reads executions from the engine's history ({@code Runner.history()}) into the API's records. Database
 * failures come out as the API's exceptions.
 */
final class HistoryReader {

    private final ExecutionHistory history;

    HistoryReader(ExecutionHistory history) {
        this.history = history;
    }

    /** {@code execution} with its tasks as they stand now, in the order they started (those never started last). */
    ExecutionResult result(io.cloaca.engine.execution.ExecutionResult execution) {
        List<TaskResult> tasks = read(() -> history.tasks(execution.executionId())).stream()
                .sorted(Comparator.comparing(TaskRecord::startedAt, Comparator.nullsLast(Comparator.naturalOrder())))
                .map(HistoryReader::taskResult)
                .toList();
        return new ExecutionResult(execution.executionId(), execution.workflowName(),
                ExecutionStatus.of(execution.status()), ContextValues.fromEngine(execution.finalContext()), tasks,
                execution.errorMessage(), execution.startedAt(), execution.completedAt());
    }

    /**
     * The execution {@code executionId} as it stands now, or empty if there is none.
     *
     * @throws IllegalArgumentException if {@code executionId} is not of the form the engine writes
     */
    Optional<ExecutionResult> find(String executionId) {
        String id = RowIds.canonical(executionId).orElseThrow(() -> new IllegalArgumentException("Execution id '"
                + executionId + "' is not a UUID (expected 8-4-4-4-12 hexadecimal digits, as submit returns)"));
        // The execution's row before its tasks: its status may then lag its tasks, but never shows an end
        // that they have not reached.
        return read(() -> history.findExecution(id))
                .map(io.cloaca.engine.execution.ExecutionResult::of)
                .map(this::result);
    }

    /** The executions {@code query} asks for, newest first. */
    List<ExecutionSummary> list(ExecutionQuery query) {
        ExecutionHistory.Page page = read(() -> history.listExecutions(query.workflowName(),
                query.status() == null ? null : query.status().engine(), 0, query.limit()));
        return page.executions().stream().map(HistoryReader::summary).toList();
    }

    private static ExecutionSummary summary(ExecutionHistory.Summary summary) {
        ExecutionRecord e = summary.execution();
        Map<TaskStatus, Integer> counts = new EnumMap<>(TaskStatus.class);
        summary.taskCounts().forEach((status, n) -> counts.put(TaskStatus.of(status), n));
        return new ExecutionSummary(e.id(), e.workflowName(), ExecutionStatus.of(e.status()),
                Instant.ofEpochMilli(e.startedAt()), e.completedAt() == null ? null : Instant.ofEpochMilli(e.completedAt()),
                e.errorMessage(), counts);
    }

    private static TaskResult taskResult(TaskRecord task) {
        String name;
        try {
            name = TaskNamespace.parse(task.taskName()).task();
        } catch (CloacaException malformed) {
            name = task.taskName();
        }
        return new TaskResult(name, task.status() == null ? TaskStatus.FAILED : TaskStatus.of(task.status()),
                task.attemptsUsed(), task.lastError());
    }

    private static <T> T read(Supplier<T> query) {
        try {
            return query.get();
        } catch (CloacaException e) {
            throw Errors.translate(e);
        }
    }
}
