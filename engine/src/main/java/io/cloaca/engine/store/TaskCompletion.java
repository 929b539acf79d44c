package io.cloaca.engine.store;

import io.cloaca.engine.workflow.Workflow;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * Records what a claimed task's attempt came to, conditional on its claim's token, and carries the
 * execution forward in the same transaction (see {@link Propagation}); or fails a whole execution
 * from one of its claimed tasks.
 */
final class TaskCompletion {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TaskCompletion.class);
    private static final StatusMove COMPLETE = StatusMove.task(TaskStatus.Completed, TaskStatus.Running);
    private static final StatusMove RETRY = StatusMove.task(TaskStatus.Ready, TaskStatus.Running);
    private static final StatusMove FAIL = StatusMove.task(TaskStatus.Failed, TaskStatus.Running);
    private static final StatusMove FAIL_WAITING = StatusMove.task(TaskStatus.Failed, TaskStatus.NotStarted,
            TaskStatus.Ready);

    private final StoreTables tables;
    private final Propagation propagation;

    TaskCompletion(StoreTables tables, Propagation propagation) {
        this.tables = tables;
        this.propagation = propagation;
    }

    /** See {@link ExecutionStore#finish}. */
    FinishResult finish(ClaimedTask task, TaskOutcome outcome, Workflow workflow, Claimant.Claim next, long now) {
        boolean[] tried = {false};
        return tables.database.inExecutionTransaction(task.executionId(), c -> {
            boolean retried = tried[0];
            tried[0] = true;
            return finish(c, task, outcome, workflow, next, now, retried);
        });
    }

    /** One try of {@link #finish}; {@code retried} when an earlier try of the same call may have committed. */
    FinishResult finish(Connection c, ClaimedTask task, TaskOutcome outcome, Workflow workflow,
                                Claimant.Claim next, long now, boolean retried) throws SQLException {
        // The execution's task rows are read with its lock taken, in the same round trip (PostgreSQL): no
        // other finish can move a row to or from a terminal status before this one commits, and this
        // task's own row is brought up to date below once its outcome is written.
        Map<String, ExecutionProgress.Row> rows = tables.lockAndReadProgress(c, task.executionId());
        // Completion times follow commit order: two tasks of one execution finishing at once queue on
        // the lock, and the one that ends the execution must not carry the earlier time.
        long at = Math.max(now, tables.clock().millis());
        if (!recordOutcome(c, task, outcome, at)) {
            return retried ? alreadyRecorded(c, task, next) : FinishResult.LOST;
        }
        if (outcome instanceof TaskOutcome.Retry) {
            return new FinishResult(true, List.of(), null, null);
        }
        String output = outcome instanceof TaskOutcome.Succeeded s ? s.outputContext() : null;
        TaskStatus recorded = outcome instanceof TaskOutcome.Succeeded ? TaskStatus.Completed : TaskStatus.Failed;
        rows.computeIfPresent(task.taskName(), (name, row) -> new ExecutionProgress.Row(row.id(), recorded, at));
        return propagation.propagate(c, new Propagation.Execution(task.executionId(), task.workflowName(),
                        task.workflowVersion(), task.initialContext()), workflow, rows,
                output == null ? null : task.taskName(), output, next, at);
    }

    /**
     * In a retried {@link #finish}: whether an earlier try committed the outcome after all (the row is no
     * longer Running but still carries this claim's token) and, if so, what it did that the caller must
     * act on: the dependent it claimed, the end of the execution. Dependents it made Ready are found by
     * the runners' polls.
     */
    private FinishResult alreadyRecorded(Connection c, ClaimedTask task, Claimant.Claim next) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT status, claim_token FROM " + tables.tasks
                + " WHERE id = ?")) {
            ps.setString(1, task.taskId());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || "Running".equals(rs.getString(1)) || !task.token().equals(rs.getString(2))) {
                    return FinishResult.LOST;
                }
            }
        }
        LOG.warn("Execution {}: the outcome of task {} was committed by an earlier try whose acknowledgement was lost",
                task.executionId(), task.taskName());
        ClaimedTask claimed = null;
        if (next != null) {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, task_name, attempt, max_attempts FROM "
                    + tables.tasks + " WHERE execution_id = ? AND claim_token = ? AND status = 'Running'")) {
                ps.setString(1, task.executionId());
                ps.setString(2, next.token());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        claimed = new ClaimedTask(rs.getString(1), task.executionId(), task.workflowName(),
                                task.workflowVersion(), rs.getString(2), rs.getInt(3), rs.getInt(4),
                                task.initialContext(), next.token());
                    }
                }
            }
        }
        ExecutionRecord ended = tables.loadExecution(c, task.executionId())
                .filter(e -> e.status().isTerminal()).orElse(null);
        return new FinishResult(true, List.of(), claimed, ended);
    }

    /** Writes the outcome if the claim still holds; the token stays in the row (see {@link #alreadyRecorded}). */
    private boolean recordOutcome(Connection c, ClaimedTask task, TaskOutcome outcome, long now) throws SQLException {
        String owned = ", claimed_by = NULL, claim_owner = NULL, lease_expires_at = NULL WHERE id = ? AND ";
        PreparedStatement ps;
        int i = 1;
        Long retriedStart = outcome instanceof TaskOutcome.Retry ? startedAt(c, task.taskId()) : null;
        if (outcome instanceof TaskOutcome.Succeeded s) {
            ps = c.prepareStatement("UPDATE " + tables.tasks + " SET " + COMPLETE.set() + ", output_context = ?,"
                    + " completed_at = ?, updated_at = ?" + owned + COMPLETE.guard() + " AND claim_token = ?");
            ps.setString(i++, s.outputContext());
            ps.setLong(i++, now);
            ps.setLong(i++, now);
        } else if (outcome instanceof TaskOutcome.Retry r) {
            ps = c.prepareStatement("UPDATE " + tables.tasks + " SET " + RETRY.set() + ", attempt = attempt + 1,"
                    + " retry_at = ?, last_error = ?, error_details = ?, started_at = NULL, updated_at = ?" + owned
                    + RETRY.guard() + " AND claim_token = ?");
            ps.setLong(i++, r.retryAt());
            ps.setString(i++, r.error());
            ps.setString(i++, r.details());
            ps.setLong(i++, now);
        } else {
            TaskOutcome.Failed f = (TaskOutcome.Failed) outcome;
            ps = c.prepareStatement("UPDATE " + tables.tasks + " SET " + FAIL.set() + ", last_error = ?,"
                    + " error_details = ?, completed_at = ?, updated_at = ?" + owned + FAIL.guard()
                    + " AND claim_token = ?");
            ps.setString(i++, f.error());
            ps.setString(i++, f.details());
            ps.setLong(i++, now);
            ps.setLong(i++, now);
        }
        try (ps) {
            ps.setString(i++, task.taskId());
            ps.setString(i, task.token());
            boolean recorded = Rows.changedOne(ps.executeUpdate(), "recording the outcome of task " + task.taskId());
            if (recorded && outcome instanceof TaskOutcome.Retry r) {
                recordRetriedAttempt(c, task, retriedStart, r.error(), now);
            }
            return recorded;
        }
    }

    private Long startedAt(Connection c, String taskId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT started_at FROM " + tables.tasks + " WHERE id = ?")) {
            ps.setString(1, taskId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? StoreTables.longOrNull(rs, 1) : null;
            }
        }
    }

    /**
     * Keeps the attempt that a retry replaces (the row itself moves on to the next attempt) for the
     * history's timeline. Only retries pay for this; a first-time success writes nothing extra.
     */
    private void recordRetriedAttempt(Connection c, ClaimedTask task, Long startedAt, String error, long now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + tables.attempts
                + " (task_id, execution_id, attempt, started_at, ended_at, error) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, task.taskId());
            ps.setString(2, task.executionId());
            ps.setInt(3, task.attempt());
            if (startedAt == null) {
                ps.setNull(4, java.sql.Types.BIGINT);
            } else {
                ps.setLong(4, startedAt);
            }
            ps.setLong(5, now);
            ps.setString(6, error);
            ps.executeUpdate();
        }
    }

    /** See {@link ExecutionStore#failExecution}. */
    FinishResult failExecution(ClaimedTask task, String error, long now) {
        return tables.database.inExecutionTransaction(task.executionId(), c -> {
            tables.lockExecution(c, task.executionId());
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + tables.tasks + " SET " + FAIL.set()
                    + ", last_error = ?, completed_at = ?, claimed_by = NULL, claim_owner = NULL,"
                    + " lease_expires_at = NULL, updated_at = ? WHERE id = ? AND " + FAIL.guard()
                    + " AND claim_token = ?")) {
                ps.setString(1, error);
                ps.setLong(2, now);
                ps.setLong(3, now);
                ps.setString(4, task.taskId());
                ps.setString(5, task.token());
                if (!Rows.changedOne(ps.executeUpdate(), "failing task " + task.taskId())) {
                    return FinishResult.LOST;
                }
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + tables.tasks + " SET " + FAIL_WAITING.set()
                    + ", last_error = ?, completed_at = ?, updated_at = ? WHERE execution_id = ? AND "
                    + FAIL_WAITING.guard())) {
                ps.setString(1, error);
                ps.setLong(2, now);
                ps.setLong(3, now);
                ps.setString(4, task.executionId());
                ps.executeUpdate();
            }
            String latest = ExecutionProgress.latestCompleted(tables.progressRows(c, task.executionId()));
            String finalContext = latest != null ? tables.output(c, task.executionId(), latest)
                    : tables.initialContext(c, task.executionId());
            ExecutionRecord ended = Propagation.endExecution(c, tables, task.executionId(), ExecutionStatus.Failed,
                    finalContext, error, now);
            return new FinishResult(true, List.of(), null, ended);
        });
    }
}
