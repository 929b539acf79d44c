package io.cloaca.engine.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.workflow.TaskNamespace;

import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The reads the runners make between writes that no reader of the history needs: a task's input and
 * which awaited executions ended. Reads retry transient failures like the engine's writes.
 */
final class ExecutionQueries {

    private final StoreTables tables;

    ExecutionQueries(StoreTables tables) {
        this.tables = tables;
    }

    /** See {@link ExecutionStore#mergedOutputs}. */
    ObjectNode mergedOutputs(String executionId, List<TaskNamespace> dependencies) {
        List<String> names = dependencies.stream().map(TaskNamespace::toString).toList();
        Map<String, String> stored = names.isEmpty() ? Map.of()
                : tables.database.read(c -> tables.outputs(c, executionId, names));
        Map<String, ObjectNode> outputs = new HashMap<>();
        stored.forEach((name, json) -> {
            if (json != null) {
                outputs.put(name, Context.parseObject(json));
            }
        });
        return ExecutionProgress.merge(names, outputs);
    }

    /**
     * Those of {@code executionIds} that have ended. The condition on status is one that no index can
     * serve: with {@code status IN ('Completed', 'Failed')} the planner would pair the primary key with the
     * status index, whose ended ranges grow with the whole history, and it did on tables it had no
     * statistics for yet.
     */
    List<ExecutionRecord> findFinished(Collection<String> executionIds) {
        if (executionIds.isEmpty()) {
            return List.of();
        }
        return tables.database.read(c -> {
            List<ExecutionRecord> finished = new ArrayList<>();
            for (List<String> chunk : Rows.chunks(List.copyOf(executionIds))) {
                try (PreparedStatement ps = c.prepareStatement("SELECT " + StoreTables.EXECUTION_COLUMNS + " FROM "
                        + tables.executions + " WHERE id IN (" + Rows.marks(chunk.size()) + ") AND status <> '"
                        + ExecutionStatus.Running + "'")) {
                    Rows.bind(ps, 1, chunk);
                    finished.addAll(Rows.list(ps, StoreTables::executionRecord));
                }
            }
            return finished;
        });
    }
}
