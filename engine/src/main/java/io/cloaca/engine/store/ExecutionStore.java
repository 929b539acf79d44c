package io.cloaca.engine.store;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.workflow.TaskDefinition;
import io.cloaca.engine.workflow.TaskNamespace;
import io.cloaca.engine.workflow.Workflow;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Every read and write of execution state, in one schema of one database. SQL is schema-qualified
 * with a validated, quoted identifier; no statement relies on {@code search_path}.
 *
 * <p>Hot path, per task: {@link #claim} (one commit) and {@link #finish} (one commit, which may
 * also claim the next task of a chain for the same worker, saving the dependent's claim commit).
 */
public final class ExecutionStore {

    private static final String TASK_COLUMNS = "id, execution_id, task_name, status, attempt, max_attempts, "
            + "output_context, last_error, error_details, claimed_by, started_at, completed_at, recovery_attempts";
    private static final String EXECUTION_COLUMNS = "id, workflow_name, workflow_version, status, initial_context, "
            + "final_context, error_message, started_at, completed_at";

    private final Database database;
    private final String executions;
    private final String tasks;
    private final java.time.Clock clock;

    /**
     * @param schema PostgreSQL schema holding the tables, or null for the connection's default
     *               (always null on SQLite); must already be validated
     */
    public ExecutionStore(Database database, String schema) {
        this(database, schema, java.time.Clock.systemUTC());
    }

    /** @param clock read once a finishing transaction holds its execution's lock (see {@link #finish}) */
    public ExecutionStore(Database database, String schema, java.time.Clock clock) {
        this.clock = clock;
        this.database = database;
        String prefix = schema == null ? "" : "\"" + schema + "\".";
        this.executions = prefix + "workflow_executions";
        this.tasks = prefix + "task_executions";
    }

    public Database database() {
        return database;
    }

    /**
     * Writes an execution and all its task rows in one transaction: roots Ready, the rest NotStarted.
     *
     * @param workflowName the name the workflow is registered under, which workers look it up by; it may
     *                     differ from {@code workflow.name()} (register_workflow_constructor("alias", ...))
     * @return ids of the Ready root tasks
     */
    public List<String> createExecution(String executionId, String workflowName, Workflow workflow,
                                        String initialContext, long now) {
        return createExecution(executionId, workflowName, workflow, initialContext, null, 0, 0, now).ready();
    }

    /** A new execution's root tasks: claimed in the creating transaction, or left Ready for any runner. */
    public record Created(List<String> ready, List<ClaimedTask> claimed) {
    }

    /**
     * As {@link #createExecution(String, String, Workflow, String, long)}, and up to {@code claimLimit}
     * root tasks are written already claimed by {@code claimFor} (lease until {@code leaseUntil}): a
     * runner that will run them at once saves the claim's commit.
     */
    public Created createExecution(String executionId, String workflowName, Workflow workflow, String initialContext,
                                   String claimFor, int claimLimit, long leaseUntil, long now) {
        return database.inTransaction(c -> createExecution(c, executionId, workflowName, workflow, initialContext,
                claimFor, claimLimit, leaseUntil, now));
    }

    /**
     * The statements of {@link #createExecution(String, String, Workflow, String, String, int, long, long)}
     * on a connection whose transaction the caller holds, so that another write (a cron instant's claim)
     * commits or rolls back together with the execution.
     */
    public Created createExecution(Connection c, String executionId, String workflowName, Workflow workflow,
                                   String initialContext, String claimFor, int claimLimit, long leaseUntil, long now)
            throws SQLException {
        {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + executions
                    + " (id, workflow_name, workflow_version, status, initial_context, started_at, updated_at)"
                    + " VALUES (?, ?, ?, 'Running', ?, ?, ?)")) {
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
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + tasks
                    + " (id, execution_id, task_name, status, attempt, max_attempts, claimed_by, lease_expires_at,"
                    + " started_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?)")) {
                for (TaskNamespace ns : workflow.topologicalOrder()) {
                    TaskDefinition task = workflow.task(ns);
                    String id = UUID.randomUUID().toString();
                    int maxAttempts = Math.max(1, task.retryPolicy().maxAttempts());
                    boolean root = task.dependencies().isEmpty();
                    boolean claim = root && claimFor != null && claimed.size() < claimLimit;
                    TaskStatus status = claim ? TaskStatus.Running : root ? TaskStatus.Ready : TaskStatus.NotStarted;
                    ps.setString(1, id);
                    ps.setString(2, executionId);
                    ps.setString(3, ns.toString());
                    ps.setString(4, status.name());
                    ps.setInt(5, maxAttempts);
                    ps.setString(6, claim ? claimFor : null);
                    if (claim) {
                        ps.setLong(7, leaseUntil);
                        ps.setLong(8, now);
                    } else {
                        ps.setNull(7, java.sql.Types.BIGINT);
                        ps.setNull(8, java.sql.Types.BIGINT);
                    }
                    ps.setLong(9, now);
                    ps.addBatch();
                    if (claim) {
                        claimed.add(new ClaimedTask(id, executionId, workflowName, ns.toString(), 1, maxAttempts,
                                initialContext));
                    } else if (root) {
                        ready.add(id);
                    }
                }
                ps.executeBatch();
            }
            return new Created(ready, claimed);
        }
    }

    /**
     * Takes a Ready task for {@code runnerId} until {@code leaseUntil}.
     *
     * @return the claimed task, or empty when it was not Ready (someone else took it, or it ended)
     */
    public Optional<ClaimedTask> claim(String taskId, String runnerId, long leaseUntil, long now) {
        return database.inTransaction(c -> {
            if (!markRunning(c, taskId, runnerId, leaseUntil, now, TaskStatus.Ready)) {
                return Optional.empty();
            }
            return Optional.of(loadClaimed(c, taskId));
        });
    }

    private boolean markRunning(Connection c, String taskId, String runnerId, long leaseUntil, long now,
                                TaskStatus expected) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + tasks + " SET status = 'Running', claimed_by = ?,"
                + " lease_expires_at = ?, started_at = ?, retry_at = NULL, updated_at = ? WHERE id = ? AND status = '"
                + expected.name() + "'")) {
            ps.setString(1, runnerId);
            ps.setLong(2, leaseUntil);
            ps.setLong(3, now);
            ps.setLong(4, now);
            ps.setString(5, taskId);
            return ps.executeUpdate() == 1;
        }
    }

    private ClaimedTask loadClaimed(Connection c, String taskId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT t.execution_id, e.workflow_name, t.task_name, t.attempt,"
                + " t.max_attempts, e.initial_context FROM " + tasks + " t JOIN " + executions
                + " e ON e.id = t.execution_id WHERE t.id = ?")) {
            ps.setString(1, taskId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw CloacaException.notFound("Task row " + taskId + " vanished after being claimed");
                }
                return new ClaimedTask(taskId, rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4),
                        rs.getInt(5), rs.getString(6));
            }
        }
    }

    /** Gives a claimed task back (Ready, unowned) so that another runner, or a later one, can take it. */
    public boolean release(String taskId, String runnerId, long now) {
        return database.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + tasks + " SET status = 'Ready', claimed_by = NULL,"
                    + " lease_expires_at = NULL, started_at = NULL, updated_at = ? WHERE id = ? AND status = 'Running'"
                    + " AND claimed_by = ?")) {
                ps.setLong(1, now);
                ps.setString(2, taskId);
                ps.setString(3, runnerId);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** Output contexts (JSON) of the named tasks of an execution that completed, by task name. */
    public Map<String, String> completedOutputs(String executionId, List<String> taskNames) {
        if (taskNames.isEmpty()) {
            return Map.of();
        }
        String marks = Rows.marks(taskNames.size());
        return database.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT task_name, output_context FROM " + tasks
                    + " WHERE execution_id = ? AND status = 'Completed' AND task_name IN (" + marks + ")")) {
                ps.setString(1, executionId);
                Rows.bind(ps, 2, taskNames);
                Map<String, String> outputs = new HashMap<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        outputs.put(rs.getString(1), rs.getString(2));
                    }
                }
                return outputs;
            }
        });
    }

    /**
     * Records an attempt's outcome, if {@code runnerId} still owns that attempt, and in the same
     * transaction readies the dependents whose dependencies are all terminal and ends the execution
     * when every task is terminal.
     *
     * @param claimNext claim one newly ready dependent for the calling worker (returned as {@code next})
     */
    public FinishResult finish(ClaimedTask task, TaskOutcome outcome, Workflow workflow, String runnerId,
                               boolean claimNext, long leaseUntil, long now) {
        return database.inTransaction(c -> {
            lockExecution(c, task.executionId());
            // Completion times follow commit order: two tasks of one execution finishing at once queue on
            // the lock, and the one that ends the execution must not carry the earlier time.
            long at = Math.max(now, clock.millis());
            if (!recordOutcome(c, task, outcome, runnerId, at)) {
                return FinishResult.LOST;
            }
            if (outcome instanceof TaskOutcome.Retry) {
                return new FinishResult(true, List.of(), null, null);
            }
            String output = outcome instanceof TaskOutcome.Succeeded s ? s.outputContext() : null;
            return propagate(c, task.executionId(), task.workflowName(), task.initialContext(), output, workflow,
                    claimNext ? runnerId : null, leaseUntil, at);
        });
    }

    /**
     * Readies the dependents whose dependencies are all terminal and ends the execution when every task
     * is terminal.
     *
     * @param finishedOutput output of the task that just completed (the last to complete), or null if it failed
     * @param claimFor       runner to hand one ready dependent to, or null
     */
    private FinishResult propagate(Connection c, String executionId, String workflowName, String initialContext,
                                   String finishedOutput, Workflow workflow, String claimFor, long leaseUntil, long now)
            throws SQLException {
        Map<String, TaskRow> rows = taskRows(c, executionId);
        List<String> ready = new ArrayList<>();
        ClaimedTask next = null;
        for (TaskNamespace ns : workflow.topologicalOrder()) {
            TaskRow row = rows.get(ns.toString());
            if (row == null || row.status != TaskStatus.NotStarted) {
                continue;
            }
            boolean depsDone = workflow.task(ns).dependencies().stream()
                    .map(d -> rows.get(d.toString()))
                    .allMatch(d -> d == null || (d.status != null && d.status.isTerminal()));
            if (!depsDone) {
                continue;
            }
            // The first dependent goes straight from NotStarted to Running for the finishing worker; a
            // task that never ran is on attempt 1, so its claim needs no read-back.
            if (next == null && claimFor != null
                    && markRunning(c, row.id, claimFor, leaseUntil, now, TaskStatus.NotStarted)) {
                row.status = TaskStatus.Running;
                next = new ClaimedTask(row.id, executionId, workflowName, ns.toString(), 1,
                        Math.max(1, workflow.task(ns).retryPolicy().maxAttempts()),
                        initialContext != null ? initialContext : initialContext(c, executionId));
                continue;
            }
            ready.add(row.id);
            row.status = TaskStatus.Ready;
        }
        markReady(c, ready, now);
        boolean allTerminal = rows.values().stream().allMatch(r -> r.status != null && r.status.isTerminal());
        ExecutionRecord finished = null;
        if (allTerminal) {
            finished = finishExecution(c, executionId, finishedOutput, rows, now);
        }
        return new FinishResult(true, ready, next, finished);
    }

    private void lockExecution(Connection c, String executionId) throws SQLException {
        if (database.dialect().singleWriter()) {
            return; // SQLite: the write lock already serialises every finishing transaction
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM " + executions + " WHERE id = ?"
                + database.dialect().forUpdate())) {
            ps.setString(1, executionId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw CloacaException.notFound("Execution " + executionId + " does not exist");
                }
            }
        }
    }

    private boolean recordOutcome(Connection c, ClaimedTask task, TaskOutcome outcome, String runnerId, long now)
            throws SQLException {
        String owned = " WHERE id = ? AND status = 'Running' AND claimed_by = ? AND attempt = ?";
        PreparedStatement ps;
        int i = 1;
        if (outcome instanceof TaskOutcome.Succeeded s) {
            ps = c.prepareStatement("UPDATE " + tasks + " SET status = 'Completed', output_context = ?, completed_at = ?,"
                    + " claimed_by = NULL, lease_expires_at = NULL, updated_at = ?" + owned);
            ps.setString(i++, s.outputContext());
            ps.setLong(i++, now);
            ps.setLong(i++, now);
        } else if (outcome instanceof TaskOutcome.Retry r) {
            ps = c.prepareStatement("UPDATE " + tasks + " SET status = 'Ready', attempt = attempt + 1, retry_at = ?,"
                    + " last_error = ?, error_details = ?, started_at = NULL, claimed_by = NULL, lease_expires_at = NULL,"
                    + " updated_at = ?" + owned);
            ps.setLong(i++, r.retryAt());
            ps.setString(i++, r.error());
            ps.setString(i++, r.details());
            ps.setLong(i++, now);
        } else {
            TaskOutcome.Failed f = (TaskOutcome.Failed) outcome;
            ps = c.prepareStatement("UPDATE " + tasks + " SET status = 'Failed', last_error = ?, error_details = ?,"
                    + " completed_at = ?, claimed_by = NULL, lease_expires_at = NULL, updated_at = ?" + owned);
            ps.setString(i++, f.error());
            ps.setString(i++, f.details());
            ps.setLong(i++, now);
            ps.setLong(i++, now);
        }
        try (ps) {
            ps.setString(i++, task.taskId());
            ps.setString(i++, runnerId);
            ps.setInt(i, task.attempt());
            return ps.executeUpdate() == 1;
        }
    }

    private void markReady(Connection c, List<String> ids, long now) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + tasks
                + " SET status = 'Ready', updated_at = ? WHERE id = ? AND status = 'NotStarted'")) {
            for (String id : ids) {
                ps.setLong(1, now);
                ps.setString(2, id);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private ExecutionRecord finishExecution(Connection c, String executionId, String finishedOutput,
                                            Map<String, TaskRow> rows, long now) throws SQLException {
        long failed = rows.values().stream().filter(r -> r.status == TaskStatus.Failed).count();
        long completed = rows.values().stream().filter(r -> r.status == TaskStatus.Completed).count();
        long skipped = rows.values().stream().filter(r -> r.status == TaskStatus.Skipped).count();
        ExecutionStatus status = failed > 0 ? ExecutionStatus.Failed : ExecutionStatus.Completed;
        String error = failed > 0 ? failed + " task(s) failed, " + completed + " completed, " + skipped + " skipped" : null;
        // The task finishing now is the last to complete; if it failed, the latest earlier completion wins.
        String finalContext = finishedOutput != null ? finishedOutput
                : latestCompletedOutput(c, executionId).orElseGet(() -> initialContext(c, executionId));
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + executions + " SET status = ?, final_context = ?,"
                + " error_message = ?, completed_at = ?, updated_at = ? WHERE id = ? AND status IN ('Pending', 'Running')")) {
            ps.setString(1, status.name());
            ps.setString(2, finalContext);
            ps.setString(3, error);
            ps.setLong(4, now);
            ps.setLong(5, now);
            ps.setString(6, executionId);
            ps.executeUpdate();
        }
        return loadExecution(c, executionId).orElseThrow();
    }

    private String initialContext(Connection c, String executionId) {
        try (PreparedStatement ps = c.prepareStatement("SELECT initial_context FROM " + executions + " WHERE id = ?")) {
            ps.setString(1, executionId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "{}";
            }
        } catch (SQLException e) {
            throw CloacaException.storage("Database error: " + e.getMessage(), e);
        }
    }

    private Optional<String> latestCompletedOutput(Connection c, String executionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT output_context FROM " + tasks
                + " WHERE execution_id = ? AND status = 'Completed' ORDER BY completed_at DESC, task_name DESC LIMIT 1")) {
            ps.setString(1, executionId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        }
    }

    private Map<String, TaskRow> taskRows(Connection c, String executionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id, task_name, status FROM " + tasks
                + " WHERE execution_id = ?")) {
            ps.setString(1, executionId);
            Map<String, TaskRow> rows = new LinkedHashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.put(rs.getString(2), new TaskRow(rs.getString(1), TaskStatus.parse(rs.getString(3))));
                }
            }
            return rows;
        }
    }

    /** Mutable while {@link #finish} decides what becomes ready; a null status is one this engine does not know. */
    private static final class TaskRow {
        final String id;
        TaskStatus status;

        TaskRow(String id, TaskStatus status) {
            this.id = id;
            this.status = status;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Work this process did not create: other runners' executions, recovered tasks, due retries
    // ---------------------------------------------------------------------------------------------

    /** Ready, due tasks of the named workflows, oldest first. */
    public List<String> findReadyTasks(Collection<String> workflowNames, long now, int limit) {
        if (workflowNames.isEmpty() || limit < 1) {
            return List.of();
        }
        return database.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT t.id FROM " + tasks + " t JOIN " + executions
                    + " e ON e.id = t.execution_id WHERE t.status = 'Ready' AND (t.retry_at IS NULL OR t.retry_at <= ?)"
                    + " AND e.workflow_name IN (" + Rows.marks(workflowNames.size()) + ") ORDER BY t.updated_at LIMIT ?")) {
                ps.setLong(1, now);
                ps.setInt(Rows.bind(ps, 2, workflowNames), limit);
                return Rows.list(ps, rs -> rs.getString(1));
            }
        });
    }

    /** Extends the leases of every task {@code runnerId} is running; returns how many. */
    public int renewLeases(String runnerId, long leaseUntil) {
        return database.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + tasks + " SET lease_expires_at = ?"
                    + " WHERE claimed_by = ? AND status = 'Running'")) {
                ps.setLong(1, leaseUntil);
                ps.setString(2, runnerId);
                return ps.executeUpdate();
            }
        });
    }

    /** A task whose owner stopped renewing its lease. */
    public record OrphanedTask(String taskId, String executionId, String workflowName, String taskName,
                               String previousOwner, int recoveries) {
    }

    /** Running tasks of the named workflows whose lease expired before {@code now}. */
    public List<OrphanedTask> findExpiredLeases(Collection<String> workflowNames, long now) {
        if (workflowNames.isEmpty()) {
            return List.of();
        }
        return database.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT t.id, t.execution_id, e.workflow_name, t.task_name,"
                    + " t.claimed_by, t.recovery_attempts FROM " + tasks + " t JOIN " + executions
                    + " e ON e.id = t.execution_id WHERE t.status = 'Running' AND t.lease_expires_at < ?"
                    + " AND e.workflow_name IN (" + Rows.marks(workflowNames.size()) + ")")) {
                ps.setLong(1, now);
                Rows.bind(ps, 2, workflowNames);
                return Rows.list(ps, rs -> new OrphanedTask(rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getString(4), rs.getString(5), rs.getInt(6)));
            }
        });
    }

    /**
     * Makes an orphaned task Ready again, counting the recovery; a no-op (false) if its lease was
     * renewed or someone else recovered it meanwhile.
     */
    public boolean recover(OrphanedTask orphan, long now) {
        return database.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + tasks + " SET status = 'Ready', claimed_by = NULL,"
                    + " lease_expires_at = NULL, started_at = NULL, recovery_attempts = recovery_attempts + 1,"
                    + " updated_at = ? WHERE id = ? AND status = 'Running' AND lease_expires_at < ?"
                    + " AND recovery_attempts = ?")) {
                ps.setLong(1, now);
                ps.setString(2, orphan.taskId());
                ps.setLong(3, now);
                ps.setInt(4, orphan.recoveries());
                return ps.executeUpdate() == 1;
            }
        });
    }

    /**
     * Fails an orphaned task for good (it was recovered too often) with {@code reason}, then readies its
     * dependents and ends the execution if nothing is left, as a normal failure would.
     */
    public FinishResult abandon(OrphanedTask orphan, String reason, Workflow workflow, long now) {
        return database.inTransaction(c -> {
            lockExecution(c, orphan.executionId());
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + tasks + " SET status = 'Failed', last_error = ?,"
                    + " error_details = ?, completed_at = ?, claimed_by = NULL, lease_expires_at = NULL, updated_at = ?"
                    + " WHERE id = ? AND status = 'Running' AND lease_expires_at < ?")) {
                ps.setString(1, reason);
                ps.setString(2, reason);
                ps.setLong(3, now);
                ps.setLong(4, now);
                ps.setString(5, orphan.taskId());
                ps.setLong(6, now);
                if (ps.executeUpdate() != 1) {
                    return FinishResult.LOST;
                }
            }
            return propagate(c, orphan.executionId(), orphan.workflowName(), null, null, workflow, null, 0, now);
        });
    }

    /** Those of {@code executionIds} that have ended. */
    public List<ExecutionRecord> findFinished(Collection<String> executionIds) {
        if (executionIds.isEmpty()) {
            return List.of();
        }
        return database.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + EXECUTION_COLUMNS + " FROM " + executions
                    + " WHERE status IN ('Completed', 'Failed', 'Cancelled') AND id IN (" + Rows.marks(executionIds.size()) + ")")) {
                Rows.bind(ps, 1, executionIds);
                return Rows.list(ps, ExecutionStore::executionRecord);
            }
        });
    }

    public Optional<ExecutionRecord> findExecution(String executionId) {
        return database.read(c -> loadExecution(c, executionId));
    }

    private Optional<ExecutionRecord> loadExecution(Connection c, String executionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + EXECUTION_COLUMNS + " FROM " + executions
                + " WHERE id = ?")) {
            ps.setString(1, executionId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(executionRecord(rs)) : Optional.empty();
            }
        }
    }

    /** The most recent executions first, optionally of one workflow. */
    public List<ExecutionRecord> listExecutions(String workflowName, int limit) {
        return database.read(c -> {
            String where = workflowName == null ? "" : " WHERE workflow_name = ?";
            try (PreparedStatement ps = c.prepareStatement("SELECT " + EXECUTION_COLUMNS + " FROM " + executions + where
                    + " ORDER BY started_at DESC, id LIMIT ?")) {
                int i = 1;
                if (workflowName != null) {
                    ps.setString(i++, workflowName);
                }
                ps.setInt(i, limit);
                return Rows.list(ps, ExecutionStore::executionRecord);
            }
        });
    }

    /** Task rows of one execution, in the order they were written (topological). */
    public List<TaskRecord> listTasks(String executionId) {
        return database.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + TASK_COLUMNS + " FROM " + tasks
                    + " WHERE execution_id = ? ORDER BY COALESCE(started_at, 0), task_name")) {
                ps.setString(1, executionId);
                return Rows.list(ps, rs -> new TaskRecord(rs.getString(1), rs.getString(2), rs.getString(3),
                        TaskStatus.valueOf(rs.getString(4)), rs.getInt(5), rs.getInt(6), rs.getString(7),
                        rs.getString(8), rs.getString(9), rs.getString(10), longOrNull(rs, 11),
                        longOrNull(rs, 12), rs.getInt(13)));
            }
        });
    }

    private static ExecutionRecord executionRecord(ResultSet rs) throws SQLException {
        return new ExecutionRecord(rs.getString(1), rs.getString(2), rs.getString(3),
                ExecutionStatus.valueOf(rs.getString(4)), rs.getString(5), rs.getString(6), rs.getString(7),
                rs.getLong(8), longOrNull(rs, 9));
    }

    private static Long longOrNull(ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

}
