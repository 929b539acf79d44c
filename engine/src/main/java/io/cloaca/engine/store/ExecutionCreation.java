package io.cloaca.engine.store;

import io.cloaca.engine.workflow.TaskDefinition;
import io.cloaca.engine.workflow.TaskNamespace;
import io.cloaca.engine.workflow.TriggerRule;
import io.cloaca.engine.workflow.Workflow;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Writes a new execution and all its task rows in one transaction: plain roots Ready (or claimed at
 * once for the creating runner), every other task NotStarted; roots under a trigger rule are then
 * evaluated as any task whose dependencies ended.
 */
final class ExecutionCreation {

    private final StoreTables tables;
    private final Propagation propagation;

    ExecutionCreation(StoreTables tables, Propagation propagation) {
        this.tables = tables;
        this.propagation = propagation;
    }

    /** See {@link ExecutionStore#createExecution(Connection, String, String, Workflow, String, Claimant, int, long)}. */
    ExecutionStore.Created create(Connection c, String executionId, String workflowName, Workflow workflow,
                                  String initialContext, Claimant claimFor, int claimLimit, long now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + tables.executions
                + " (id, workflow_name, workflow_version, status, initial_context, started_at, updated_at)"
                + " VALUES (?, ?, ?, '" + ExecutionStatus.Running + "', ?, ?, ?)")) {
            ps.setString(1, executionId);
            ps.setString(2, workflowName);
            ps.setString(3, workflow.version());
            ps.setString(4, initialContext);
            ps.setLong(5, now);
            ps.setLong(6, now);
            ps.executeUpdate();
        }
        List<String> ready = new ArrayList<>();
        List<ClaimedTask> claimed = new ArrayList<>();
        boolean anyRuledRoot = false;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + tables.tasks
                + " (id, execution_id, task_name, status, attempt, max_attempts, claimed_by, claim_owner, claim_token,"
                + " lease_expires_at, started_at, updated_at, dependencies) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, "
                + tables.dbNow + " + ?, ?, ?, ?)")) {
            for (TaskNamespace ns : workflow.topologicalOrder()) {
                TaskDefinition task = workflow.task(ns);
                String id = UUID.randomUUID().toString();
                int maxAttempts = Math.max(1, task.retryPolicy().maxAttempts());
                // A root under a rule waits NotStarted for the propagation below, which evaluates it.
                boolean ruled = !(task.triggerRule() instanceof TriggerRule.Always);
                boolean root = task.dependencies().isEmpty() && !ruled;
                anyRuledRoot |= ruled && task.dependencies().isEmpty();
                boolean claim = root && claimFor != null && claimed.size() < claimLimit;
                TaskStatus status = StatusMove.initial(
                        claim ? TaskStatus.Running : root ? TaskStatus.Ready : TaskStatus.NotStarted);
                ps.setString(1, id);
                ps.setString(2, executionId);
                ps.setString(3, ns.toString());
                ps.setString(4, status.name());
                ps.setInt(5, maxAttempts);
                Claimant.Claim made = claim ? claimFor.newClaim() : null;
                ps.setString(6, claim ? claimFor.runnerId() : null);
                ps.setString(7, claim ? claimFor.owner() : null);
                ps.setString(8, claim ? made.token() : null);
                int i = tables.bindNow(ps, 9);
                // NULL + anything is NULL: unclaimed rows get no lease.
                if (claim) {
                    ps.setLong(i++, claimFor.leaseMillis());
                    ps.setLong(i++, now);
                } else {
                    ps.setNull(i++, java.sql.Types.BIGINT);
                    ps.setNull(i++, java.sql.Types.BIGINT);
                }
                ps.setLong(i++, now);
                ps.setString(i, dependenciesJson(task));
                ps.addBatch();
                if (claim) {
                    claimed.add(new ClaimedTask(id, executionId, workflowName, workflow.version(), ns.toString(),
                            1, maxAttempts, initialContext, made.token()));
                } else if (root) {
                    ready.add(id);
                }
            }
            ps.executeBatch();
        }
        if (!anyRuledRoot) {
            return new ExecutionStore.Created(ready, claimed, null);
        }
        FinishResult started = propagation.propagate(c, new Propagation.Execution(executionId, workflowName,
                workflow.version(), initialContext), workflow, null, null, null, now);
        ready.addAll(started.ready());
        return new ExecutionStore.Created(ready, claimed, started.finished());
    }

    /** The task's dependencies as a JSON array of namespace strings: the DAG's edges, for readers of the history. */
    private static String dependenciesJson(TaskDefinition task) {
        var array = io.cloaca.engine.context.Context.JSON.createArrayNode();
        task.dependencies().forEach(d -> array.add(d.toString()));
        return array.toString();
    }
}
