package io.cloaca.engine.store;

import io.cloaca.engine.CloacaException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Claims on Ready tasks: finding them, taking one (a token, the process's liveness owner and a lease
 * on the database's clock), renewing the leases of the claims a runner holds, and giving one back.
 */
final class TaskClaims {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TaskClaims.class);
    private static final StatusMove RELEASE = StatusMove.task(TaskStatus.Ready, TaskStatus.Running);
    private static final StatusMove CLAIM_READY = StatusMove.task(TaskStatus.Running, TaskStatus.Ready);
    /** What a worker needs of a claimed task, {@code t}, and its execution, {@code e}; see {@link #claimedTask}. */
    private static final String CLAIMED_SQL_HEAD = "SELECT t.execution_id, e.workflow_name, e.workflow_version,"
            + " t.task_name, t.attempt, t.max_attempts, e.initial_context FROM ";

    private final StoreTables tables;

    TaskClaims(StoreTables tables) {
        this.tables = tables;
    }

    /**
     * Takes a Ready task for {@code claimant}, with a new token; empty when it was not Ready. The claim and
     * the read of what the worker needs (the execution's workflow and input) go in one round trip on
     * PostgreSQL; the read is used only if the claim took.
     */
    Optional<ClaimedTask> claim(String taskId, Claimant claimant, long now) {
        Claimant.Claim claim = claimant.newClaim();
        return tables.database.inTransaction(c -> {
            boolean[] took = {false};
            ClaimedTask[] claimed = {null};
            Pipeline.run(c, tables.database.dialect(),
                    new Pipeline.Step(markRunningSql(TaskStatus.Ready),
                            (ps, i) -> bindMarkRunning(ps, i, taskId, claim, now),
                            (rs, count) -> took[0] = Rows.changedOne(count, "claiming task " + taskId)),
                    readClaimed(taskId, claim, took, claimed));
            if (took[0] && claimed[0] == null) {
                throw CloacaException.notFound("Task row " + taskId + " vanished after being claimed");
            }
            return Optional.ofNullable(claimed[0]);
        });
    }

    /**
     * Steps that claim the Ready task {@code taskId} inside the transaction recording the outcome of
     * another task, {@code finished}, and only if that outcome was recorded under {@code finishedToken}
     * (so a lost claim takes nothing); {@code claimed[0]} is set when it took. On PostgreSQL the row is
     * locked with SKIP LOCKED: such a transaction holds the locks of other executions (a group-commit
     * batch takes them in one order), and waiting for this row outside that order could deadlock; a row
     * someone else holds is simply not taken.
     */
    List<Pipeline.Step> claimAfterFinish(String taskId, Claimant.Claim claim, long now, String finished,
                                         String finishedToken, ClaimedTask[] claimed) {
        boolean[] took = {false};
        return List.of(
                new Pipeline.Step(markRunningHead(CLAIM_READY) + "id IN (SELECT id FROM " + tables.tasks
                        + " WHERE id = ? AND " + CLAIM_READY.guard() + tables.database.dialect().forUpdateSkipLocked()
                        + ") AND EXISTS (SELECT 1 FROM " + tables.tasks + " WHERE id = ? AND status IN ('"
                        + TaskStatus.Completed + "', '" + TaskStatus.Failed + "') AND claim_token = ?)",
                        (ps, index) -> {
                            int i = bindMarkRunning(ps, index, taskId, claim, now);
                            ps.setString(i++, finished);
                            ps.setString(i++, finishedToken);
                            return i;
                        }, (rs, count) -> took[0] = count == 1),
                readClaimed(taskId, claim, took, claimed));
    }

    /** Reads what the worker needs of a task claimed by the step before; kept only if {@code took[0]}. */
    private Pipeline.Step readClaimed(String taskId, Claimant.Claim claim, boolean[] took, ClaimedTask[] claimed) {
        return new Pipeline.Step(claimedSql(""), (ps, i) -> {
                    ps.setString(i, taskId);
                    return i + 1;
                }, (rs, count) -> {
                    if (took[0] && rs.next()) {
                        claimed[0] = claimedTask(rs, taskId, claim.token());
                    }
                });
    }

    /** The read of what a worker needs of task {@code t.id = ?}, plus {@code condition}; see {@link #claimedTask}. */
    private String claimedSql(String condition) {
        return CLAIMED_SQL_HEAD + tables.tasks + " t JOIN " + tables.executions + " e ON e.id = t.execution_id"
                + " WHERE t.id = ?" + condition;
    }

    /** A claimed task from a row of {@link #CLAIMED_SQL_HEAD}'s columns. */
    private static ClaimedTask claimedTask(ResultSet rs, String taskId, String token) throws SQLException {
        return new ClaimedTask(taskId, rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                rs.getInt(5), rs.getInt(6), rs.getString(7), token);
    }

    /**
     * The task claimed under {@code token} by a transaction that committed, if it is still Running under
     * that claim: what a retried finish reports when its first try's acknowledgement was lost.
     */
    Optional<ClaimedTask> claimedUnder(Connection c, String taskId, String token) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(claimedSql(" AND t.status = '" + TaskStatus.Running
                + "' AND t.claim_token = ?"))) {
            ps.setString(1, taskId);
            ps.setString(2, token);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(claimedTask(rs, taskId, token)) : Optional.empty();
            }
        }
    }

    /** Writes {@code claim} into the row if it is still {@code expected}; false when it was not. */
    boolean markRunning(Connection c, String taskId, Claimant.Claim claim, long now, TaskStatus expected)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(markRunningSql(expected))) {
            bindMarkRunning(ps, 1, taskId, claim, now);
            return Rows.changedOne(ps.executeUpdate(), "claiming task " + taskId);
        }
    }

    private String markRunningSql(TaskStatus expected) {
        StatusMove move = StatusMove.task(TaskStatus.Running, expected);
        return markRunningHead(move) + "id = ? AND " + move.guard();
    }

    /** The claim's UPDATE up to its WHERE, whose first parameter must be the task's id (see {@link #bindMarkRunning}). */
    private String markRunningHead(StatusMove move) {
        return "UPDATE " + tables.tasks + " SET " + move.set() + ", claimed_by = ?, claim_owner = ?, claim_token = ?,"
                + " lease_expires_at = " + tables.dbNow + " + ?, started_at = ?, retry_at = NULL, "
                + StoreTables.DEQUEUE + ", updated_at = ? WHERE ";
    }

    private int bindMarkRunning(PreparedStatement ps, int index, String taskId, Claimant.Claim claim, long now)
            throws SQLException {
        int i = index;
        ps.setString(i++, claim.claimant().runnerId());
        ps.setString(i++, claim.claimant().owner());
        ps.setString(i++, claim.token());
        i = tables.bindNow(ps, i);
        ps.setLong(i++, claim.claimant().leaseMillis());
        ps.setLong(i++, now);
        ps.setLong(i++, now);
        ps.setString(i++, taskId);
        return i;
    }

    /**
     * Gives claimed tasks back (Ready, unowned), each only if its token still holds, so that another runner,
     * or a later one, can take them; returns how many were given back. All in one transaction (a runner
     * shutting down gives back every claim it took ahead at once). Rows another transaction holds are passed
     * over, as by {@link #renewLeases}: their claims expire with their leases.
     */
    int release(Collection<ClaimedTask> tasks, long now) {
        if (tasks.isEmpty()) {
            return 0;
        }
        return tables.database.inTransaction(c -> {
            int released = 0;
            for (List<ClaimedTask> chunk : Rows.chunks(List.copyOf(tasks))) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + tables.tasks + " SET " + RELEASE.set()
                        + ", claimed_by = NULL, claim_owner = NULL, claim_token = NULL, lease_expires_at = NULL,"
                        + " started_at = NULL, " + StoreTables.ENQUEUE + ", updated_at = ? WHERE id IN ("
                        + heldRowsSql(RELEASE.guard(), chunk.size()) + ")")) {
                    ps.setLong(1, now);
                    ps.setLong(2, now);
                    bindHeldRows(ps, 3, chunk);
                    released += ps.executeUpdate();
                }
            }
            return released;
        });
    }

    /**
     * The ids of the rows of {@code claims} (the ids, then the tokens, bound by {@link #bindHeldRows}) that
     * are in {@code guard}'s status and still under those claims, passing over rows another transaction
     * holds on PostgreSQL. A token is unique to one claim of one row, so matching both lists pins each row
     * to its claim; the id list lets the primary key find the rows.
     */
    private String heldRowsSql(String guard, int claims) {
        return "SELECT id FROM " + tables.tasks + " WHERE " + guard + " AND id IN (" + Rows.marks(claims)
                + ") AND claim_token IN (" + Rows.marks(claims) + ")" + tables.database.dialect().forUpdateSkipLocked();
    }

    private static int bindHeldRows(PreparedStatement ps, int index, List<ClaimedTask> claims) throws SQLException {
        int i = Rows.bind(ps, index, claims.stream().map(ClaimedTask::taskId).toList());
        return Rows.bind(ps, i, claims.stream().map(ClaimedTask::token).toList());
    }

    /** Ready, due tasks of the named workflows, longest queued first (see {@link StoreTables#ENQUEUE}). */
    List<String> findReadyTasks(Collection<String> workflowNames, long now, int limit) {
        if (workflowNames.isEmpty() || limit < 1) {
            return List.of();
        }
        return tables.database.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(findReadySql(workflowNames.size()))) {
                ps.setLong(1, now);
                ps.setInt(Rows.bind(ps, 2, workflowNames), limit);
                return Rows.list(ps, rs -> rs.getString(1));
            }
        });
    }

    /** The poll's statement: due time, then {@code workflows} names, then the limit. */
    String findReadySql(int workflows) {
        return "SELECT t.id FROM " + tables.tasks + " t WHERE t.queued = 1 AND (t.retry_at IS NULL OR t.retry_at <= ?)"
                + " AND " + tables.ofWorkflows("t", workflows) + " ORDER BY t.queued_at LIMIT ?";
    }

    /**
     * Extends the leases of the given claims (those the caller holds in memory), each only if its token
     * still holds; returns how many were extended. A claim the caller lost track of is never renewed:
     * it expires with its lease.
     */
    int renewLeases(Collection<ClaimedTask> claims, long leaseMillis) {
        if (claims.isEmpty()) {
            return 0;
        }
        return tables.database.inTransaction(c -> {
            int renewed = 0;
            for (List<ClaimedTask> chunk : Rows.chunks(List.copyOf(claims))) {
                // Rows another transaction has locked are skipped, not waited for: that is a finish (of any
                // execution, in a group-commit batch), which ends the claim or, if it fails, leaves it to the next
                // heartbeat, well inside the lease. Waiting instead would lock rows in an order of their own and
                // could deadlock with such a batch.
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + tables.tasks + " SET lease_expires_at = "
                        + tables.dbNow + " + ? WHERE id IN (" + heldRowsSql("status = 'Running'", chunk.size()) + ")")) {
                    int i = tables.bindNow(ps, 1);
                    ps.setLong(i++, leaseMillis);
                    bindHeldRows(ps, i, chunk);
                    int n = ps.executeUpdate();
                    if (n > chunk.size()) {
                        LOG.error("BUG: renewing {} claims changed {} rows; please report this", chunk.size(), n);
                    }
                    renewed += n;
                }
            }
            return renewed;
        });
    }
}
