package io.cloaca.engine.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.workflow.TaskNamespace;
import io.cloaca.engine.workflow.Workflow;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Carries an execution forward after one of its tasks ended (or was created): reads its task rows,
 * asks {@link ExecutionProgress} what follows, and writes that in the caller's transaction, which
 * holds the execution's lock. The only writer of Skipped, of NotStarted → Ready and of an execution's end.
 */
final class Propagation {

    private static final StatusMove SKIP = StatusMove.task(TaskStatus.Skipped, TaskStatus.NotStarted);
    private static final StatusMove READY = StatusMove.task(TaskStatus.Ready, TaskStatus.NotStarted);

    private final StoreTables tables;
    private final TaskClaims claims;

    Propagation(StoreTables tables, TaskClaims claims) {
        this.tables = tables;
        this.claims = claims;
    }

    /** What the execution is, for the claim a step hands to its worker; the version and input are read if null. */
    record Execution(String id, String workflowName, String workflowVersion, String initialContext) {
    }

    /**
     * @param justCompleted the task whose success was just recorded, whose output is then the final context; or null
     * @param finishedOutput that task's output, or null
     * @param next           claim for one ready dependent, or null
     */
    FinishResult propagate(Connection c, Execution execution, Workflow workflow, String justCompleted,
                           String finishedOutput, Claimant.Claim next, long now) throws SQLException {
        return propagate(c, execution, workflow, tables.progressRows(c, execution.id()), justCompleted, finishedOutput,
                next, now, null, null);
    }

    private static final StatusMove COMPLETE_EXECUTION = StatusMove.execution(ExecutionStatus.Completed,
            ExecutionStatus.Running);

    private static final StatusMove CLAIM_WAITING = StatusMove.task(TaskStatus.Running, TaskStatus.NotStarted);

    /**
     * Claims {@code successor} for the finishing worker under {@code next}, if it is still NotStarted and
     * the task whose success is being recorded ({@code finished}, under {@code finishedToken}) is Completed
     * by then; sets {@code claimed[0]} to the successor's row id when it did. For a successor whose only
     * dependency is that task and whose trigger rule always holds, that success is all it waits for, as
     * {@link ExecutionProgress} would decide; sent in the round trip that records the success, it saves
     * the claim's own round trip (a chain's every step). A task that never ran is on attempt 1.
     */
    Pipeline.Step claimSoleSuccessor(String executionId, String successor, String finished, String finishedToken,
                                     Claimant.Claim next, long now, String[] claimed) {
        return new Pipeline.Step("UPDATE " + tables.tasks + " SET " + CLAIM_WAITING.set() + ", claimed_by = ?,"
                + " claim_owner = ?, claim_token = ?, lease_expires_at = " + tables.dbNow + " + ?, started_at = ?,"
                + " retry_at = NULL, updated_at = ? WHERE execution_id = ? AND task_name = ? AND "
                + CLAIM_WAITING.guard() + " AND EXISTS (SELECT 1 FROM " + tables.tasks + " WHERE id = ? AND status = '"
                + TaskStatus.Completed + "' AND claim_token = ?) RETURNING id", (ps, index) -> {
                    int i = index;
                    ps.setString(i++, next.claimant().runnerId());
                    ps.setString(i++, next.claimant().owner());
                    ps.setString(i++, next.token());
                    i = tables.bindNow(ps, i);
                    ps.setLong(i++, next.claimant().leaseMillis());
                    ps.setLong(i++, now);
                    ps.setLong(i++, now);
                    ps.setString(i++, executionId);
                    ps.setString(i++, successor);
                    ps.setString(i++, finished);
                    ps.setString(i++, finishedToken);
                    return i;
                }, (rs, count) -> {
                    if (rs != null && rs.next()) {
                        claimed[0] = rs.getString(1);
                    }
                });
    }

    /**
     * Ends the execution Completed with {@code finalContext} if every one of its tasks is Completed or
     * Skipped by then, as {@link ExecutionProgress} would decide after a success; sets {@code ended[0]}
     * when it did. Sent in the round trip that records the success of a task no other task depends on
     * (the only kind whose success can end an execution without a skip to write first), it saves the end's
     * own round trip; when tasks are left, it changes nothing.
     */
    Pipeline.Step endIfAllSucceeded(String executionId, String finalContext, long now, ExecutionRecord[] ended) {
        return new Pipeline.Step("UPDATE " + tables.executions + " SET " + COMPLETE_EXECUTION.set()
                + ", final_context = ?, error_message = NULL, completed_at = ?, updated_at = ? WHERE id = ? AND "
                + COMPLETE_EXECUTION.guard() + " AND NOT EXISTS (SELECT 1 FROM " + tables.tasks
                + " WHERE execution_id = ? AND status NOT IN ('" + TaskStatus.Completed + "', '" + TaskStatus.Skipped
                + "')) RETURNING " + StoreTables.EXECUTION_COLUMNS, (ps, index) -> {
                    int i = index;
                    ps.setString(i++, finalContext);
                    ps.setLong(i++, now);
                    ps.setLong(i++, now);
                    ps.setString(i++, executionId);
                    ps.setString(i++, executionId);
                    return i;
                }, (rs, count) -> {
                    if (rs != null && rs.next()) {
                        ended[0] = StoreTables.executionRecord(rs);
                    }
                });
    }

    /**
     * As {@link #propagate(Connection, Execution, Workflow, String, String, Claimant.Claim, long)}, from task
     * rows the caller read under the execution's lock (and brought up to date with what it wrote since).
     */
    FinishResult propagate(Connection c, Execution execution, Workflow workflow, Map<String, ExecutionProgress.Row> rows,
                           String justCompleted, String finishedOutput, Claimant.Claim next, long now,
                           ExecutionRecord ended, ClaimedTask handed) throws SQLException {
        String[] initial = {execution.initialContext()};
        ExecutionProgress.Decision decision = decide(c, execution, workflow, rows, justCompleted, next, ended, handed,
                initial);
        for (ExecutionProgress.Skip skip : decision.skipped()) {
            writeSkip(c, rows.get(skip.taskName()).id(), skip, now);
        }
        List<String> ready = new ArrayList<>();
        ClaimedTask claimed = handed;
        if (decision.claim() != null) {
            String id = rows.get(decision.claim()).id();
            // Straight from NotStarted to Running for the finishing worker; a task that never ran is on
            // attempt 1, so its claim needs no read-back.
            if (claims.markRunning(c, id, next, now, TaskStatus.NotStarted)) {
                String input = initial[0] != null ? initial[0] : tables.initialContext(c, execution.id());
                claimed = new ClaimedTask(id, execution.id(), execution.workflowName(), execution.workflowVersion(),
                        decision.claim(), 1, Math.max(1, workflow.task(TaskNamespace.parse(decision.claim()))
                        .retryPolicy().maxAttempts()), input, next.token());
            } else {
                ready.add(id);
            }
        }
        decision.ready().forEach(name -> ready.add(rows.get(name).id()));
        markReady(c, ready, now);
        ExecutionRecord finished = decision.ending() == null ? null : ended != null ? ended
                : end(c, execution.id(), decision.ending(), justCompleted, finishedOutput, now);
        return new FinishResult(true, ready, claimed, finished);
    }

    /**
     * Asks {@link ExecutionProgress} what follows; reads contexts only if a rule needs them, keeping the
     * initial context it read in {@code initial[0]}.
     */
    private ExecutionProgress.Decision decide(Connection c, Execution execution, Workflow workflow,
                                              Map<String, ExecutionProgress.Row> rows, String justCompleted,
                                              Claimant.Claim next, ExecutionRecord ended, ClaimedTask handed,
                                              String[] initial) throws SQLException {
        ExecutionProgress.Contexts contexts = new ExecutionProgress.Contexts() {
            @Override
            public ObjectNode initial() {
                try {
                    if (initial[0] == null) {
                        initial[0] = tables.initialContext(c, execution.id());
                    }
                } catch (SQLException e) {
                    throw new Rows.Uncaught(e);
                }
                return Context.parseObject(initial[0]);
            }

            @Override
            public Map<String, String> outputs(List<String> taskNames) {
                try {
                    return tables.outputs(c, execution.id(), taskNames);
                } catch (SQLException e) {
                    throw new Rows.Uncaught(e);
                }
            }
        };
        ExecutionProgress.Decision decision;
        try {
            // A successor already claimed in SQL (handed) is the one claim this step makes.
            decision = ExecutionProgress.decide(workflow, rows, contexts, next != null && handed == null, justCompleted);
        } catch (Rows.Uncaught e) {
            throw e.getCause();
        }
        if (ended != null && (decision.ending() == null || decision.ending().status() != ExecutionStatus.Completed
                || !decision.skipped().isEmpty())) {
            throw new IllegalStateException("BUG: execution " + execution.id() + " was ended Completed in SQL, but its"
                    + " task rows say otherwise; please report this");
        }
        return decision;
    }

    /** Ends a task Skipped, with the rule's false part as its error and its input as its output. */
    private void writeSkip(Connection c, String taskId, ExecutionProgress.Skip skip, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + tables.tasks + " SET " + SKIP.set()
                + ", output_context = ?, last_error = ?, completed_at = ?, updated_at = ? WHERE id = ? AND "
                + SKIP.guard())) {
            ps.setString(1, skip.output().toString());
            ps.setString(2, skip.reason());
            ps.setLong(3, now);
            ps.setLong(4, now);
            ps.setString(5, taskId);
            Rows.changedOne(ps.executeUpdate(), "skipping task " + taskId);
        }
    }

    private void markReady(Connection c, List<String> ids, long now) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + tables.tasks + " SET " + READY.set()
                + ", " + StoreTables.ENQUEUE + ", updated_at = ? WHERE id = ? AND " + READY.guard())) {
            for (String id : ids) {
                ps.setLong(1, now);
                ps.setLong(2, now);
                ps.setString(3, id);
                ps.addBatch();
            }
            int[] counts = ps.executeBatch();
            for (int i = 0; i < counts.length; i++) {
                // 0 cannot happen under the execution's lock; SUCCESS_NO_INFO (-2) is a driver's "done".
                if (counts[i] != java.sql.Statement.SUCCESS_NO_INFO) {
                    Rows.changedOne(counts[i], "readying task " + ids.get(i));
                }
            }
        }
    }

    private ExecutionRecord end(Connection c, String executionId, ExecutionProgress.Ending ending, String justCompleted,
                                String finishedOutput, long now) throws SQLException {
        String task = ending.finalContextTask();
        String finalContext = task == null ? tables.initialContext(c, executionId)
                : task.equals(justCompleted) && finishedOutput != null ? finishedOutput
                : tables.output(c, executionId, task);
        return endExecution(c, tables, executionId, ending.status(), finalContext, ending.error(), now);
    }

    /** Moves a Running execution to its end; the one writer of an execution's final status. */
    static ExecutionRecord endExecution(Connection c, StoreTables tables, String executionId, ExecutionStatus status,
                                        String finalContext, String error, long now) throws SQLException {
        StatusMove move = StatusMove.execution(status, ExecutionStatus.Running);
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + tables.executions + " SET " + move.set()
                + ", final_context = ?, error_message = ?, completed_at = ?, updated_at = ? WHERE id = ? AND "
                + move.guard() + " RETURNING " + StoreTables.EXECUTION_COLUMNS)) {
            // RETURNING (PostgreSQL, SQLite 3.35+) saves reading the ended row back: one statement fewer.
            ps.setString(1, finalContext);
            ps.setString(2, error);
            ps.setLong(3, now);
            ps.setLong(4, now);
            ps.setString(5, executionId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return StoreTables.executionRecord(rs);
                }
            }
        }
        return tables.loadExecution(c, executionId).orElseThrow(); // it had ended already
    }
}
