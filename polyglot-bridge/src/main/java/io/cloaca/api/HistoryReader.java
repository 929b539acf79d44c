package io.cloaca.api;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.store.ExecutionHistory;
import io.cloaca.engine.store.TaskRecord;
import io.cloaca.engine.workflow.TaskNamespace;

import java.util.Comparator;
import java.util.List;
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
