package io.cloaca.engine.store;

import io.cloaca.engine.workflow.TaskDefinition;
import io.cloaca.engine.workflow.TaskNamespace;
import io.cloaca.engine.workflow.TriggerRule;
import io.cloaca.engine.workflow.Workflow;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Writes a new execution and all its task rows in one transaction: plain roots Ready (or claimed at
 * once for the creating runner), every other task NotStarted; roots under a trigger rule are then
 * evaluated as any task whose dependencies ended.
 */
final class ExecutionCreation {

    /** Task rows per INSERT statement: well inside both databases' limits on bound parameters. */
    private static final int TASK_ROWS_PER_INSERT = 200;

    private final StoreTables tables;
    private final Propagation propagation;

    ExecutionCreation(StoreTables tables, Propagation propagation) {
        this.tables = tables;
        this.propagation = propagation;
    }

    /**
     * See {@link ExecutionStore#createExecution(Connection, String, String, Workflow, String, StartedBy, long)}.
     *
     * @param startedBy        the schedule or trigger that starts it, or null for a caller
     * @param wholeTransaction nothing else is in the transaction: its COMMIT may go with the last INSERT
     */
    ExecutionStore.Created create(Connection c, String executionId, String workflowName, Workflow workflow,
                                  String initialContext, StartedBy startedBy, Claimant claimFor, int claimLimit,
                                  long now, boolean wholeTransaction) throws SQLException {
        List<String> ready = new ArrayList<>();
        List<ClaimedTask> claimed = new ArrayList<>();
        List<Pipeline.Binder> taskRows = new ArrayList<>();
        boolean anyRuledRoot = false;
        for (TaskNamespace ns : workflow.topologicalOrder()) {
            TaskDefinition task = workflow.task(ns);
            String id = RowIds.next();
            int maxAttempts = Math.max(1, task.retryPolicy().maxAttempts());
            // A root under a rule waits NotStarted for the propagation below, which evaluates it.
            boolean ruled = !(task.triggerRule() instanceof TriggerRule.Always);
            boolean root = task.dependencies().isEmpty() && !ruled;
            anyRuledRoot |= ruled && task.dependencies().isEmpty();
            boolean claim = root && claimFor != null && claimed.size() < claimLimit;
            TaskStatus status = StatusMove.initial(
                    claim ? TaskStatus.Running : root ? TaskStatus.Ready : TaskStatus.NotStarted);
            Claimant.Claim made = claim ? claimFor.newClaim() : null;
            String dependencies = dependenciesJson(task);
            taskRows.add((ps, index) -> {
                int i = index;
                ps.setString(i++, id);
                ps.setString(i++, executionId);
                ps.setString(i++, ns.toString());
                ps.setString(i++, status.name());
                ps.setInt(i++, maxAttempts);
                ps.setString(i++, claim ? claimFor.runnerId() : null);
                ps.setString(i++, claim ? claimFor.owner() : null);
                ps.setString(i++, claim ? made.token() : null);
                i = tables.bindNow(ps, i);
                // NULL + anything is NULL: unclaimed rows get no lease.
                if (claim) {
                    ps.setLong(i++, claimFor.leaseMillis());
                    ps.setLong(i++, now);
                } else {
                    ps.setNull(i++, java.sql.Types.BIGINT);
                    ps.setNull(i++, java.sql.Types.BIGINT);
                }
                ps.setLong(i++, now);
                // The Ready queue's columns (StoreTables.ENQUEUE): set for a Ready root, NULL otherwise.
                if (status == TaskStatus.Ready) {
                    ps.setInt(i++, 1);
                    ps.setLong(i++, now);
                } else {
                    ps.setNull(i++, java.sql.Types.SMALLINT);
                    ps.setNull(i++, java.sql.Types.BIGINT);
                }
                ps.setString(i++, dependencies);
                return i;
            });
            if (claim) {
                claimed.add(new ClaimedTask(id, executionId, workflowName, workflow.version(), ns.toString(),
                        1, maxAttempts, initialContext, made.token()));
            } else if (root) {
                ready.add(id);
            }
        }
        // The execution row and its first task rows in one round trip on PostgreSQL (a multi-row INSERT of
        // up to TASK_ROWS_PER_INSERT rows); a larger workflow's further rows follow, a chunk a statement.
        Pipeline.Step execution = new Pipeline.Step("INSERT INTO " + tables.executions
                + " (id, workflow_name, workflow_version, status, initial_context, started_at, updated_at, started_by,"
                + " starter) VALUES (?, ?, ?, '" + ExecutionStatus.Running + "', ?, ?, ?, ?, ?)", (ps, index) -> {
                    int i = index;
                    ps.setString(i++, executionId);
                    ps.setString(i++, workflowName);
                    ps.setString(i++, workflow.version());
                    ps.setString(i++, initialContext);
                    ps.setLong(i++, now);
                    ps.setLong(i++, now);
                    ps.setString(i++, startedBy == null ? null : startedBy.kind());
                    ps.setString(i++, startedBy == null ? null : startedBy.starter());
                    return i;
                }, Pipeline.IGNORE);
        if (taskRows.isEmpty()) {
            Pipeline.run(c, tables.database.dialect(), execution);
        }
        // A root under a rule is evaluated after the INSERTs, in the same transaction: no early COMMIT then.
        boolean commitWithLast = wholeTransaction && !anyRuledRoot;
        for (int from = 0; from < taskRows.size(); from += TASK_ROWS_PER_INSERT) {
            int to = Math.min(taskRows.size(), from + TASK_ROWS_PER_INSERT);
            Pipeline.Step rows = insertTaskRows(taskRows.subList(from, to));
            Pipeline.Step[] steps = from == 0 ? new Pipeline.Step[] {execution, rows} : new Pipeline.Step[] {rows};
            if (commitWithLast && to == taskRows.size()) {
                Pipeline.runAndCommit(c, tables.database.dialect(), steps);
            } else {
                Pipeline.run(c, tables.database.dialect(), steps);
            }
        }
        if (!anyRuledRoot) {
            return new ExecutionStore.Created(ready, claimed, null);
        }
        FinishResult started = propagation.propagate(c, new Propagation.Execution(executionId, workflowName,
                workflow.version(), initialContext), workflow, null, null, null, now);
        ready.addAll(started.ready());
        return new ExecutionStore.Created(ready, claimed, started.finished());
    }

    /** One INSERT of {@code rows} task rows. */
    private Pipeline.Step insertTaskRows(List<Pipeline.Binder> rows) {
        String values = String.join(", ", Collections.nCopies(rows.size(),
                "(?, ?, ?, ?, 1, ?, ?, ?, ?, " + tables.dbNow + " + ?, ?, ?, ?, ?, ?)"));
        return new Pipeline.Step("INSERT INTO " + tables.tasks
                + " (id, execution_id, task_name, status, attempt, max_attempts, claimed_by, claim_owner, claim_token,"
                + " lease_expires_at, started_at, updated_at, queued, queued_at, dependencies) VALUES " + values, (ps, index) -> {
                    int i = index;
                    for (Pipeline.Binder row : rows) {
                        i = row.bind(ps, i);
                    }
                    return i;
                }, Pipeline.IGNORE);
    }

    /** The task's dependencies as a JSON array of namespace strings: the DAG's edges, for readers of the history. */
    private static String dependenciesJson(TaskDefinition task) {
        var array = io.cloaca.engine.context.Context.JSON.createArrayNode();
        task.dependencies().forEach(d -> array.add(d.toString()));
        return array.toString();
    }
}
