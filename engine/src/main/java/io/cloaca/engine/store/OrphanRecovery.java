package io.cloaca.engine.store;

import io.cloaca.engine.workflow.Workflow;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;

/**
 * Claims whose runner may be gone: finding them (lease expired on the database's clock, or held by
 * another process, whose liveness the caller judges), making them Ready again, or failing them for
 * good after too many recoveries. Each write is conditional on the claim read, so a claim renewed,
 * recorded or recovered by someone else meanwhile is left alone.
 */
final class OrphanRecovery {

    private static final StatusMove RECOVER = StatusMove.task(TaskStatus.Ready, TaskStatus.Running);
    private static final StatusMove ABANDON = StatusMove.task(TaskStatus.Failed, TaskStatus.Running);

    private final StoreTables tables;
    private final Propagation propagation;

    OrphanRecovery(StoreTables tables, Propagation propagation) {
        this.tables = tables;
        this.propagation = propagation;
    }

    /** See {@link ExecutionStore#findSuspectClaims}. */
    List<ExecutionStore.OrphanedTask> findSuspectClaims(Collection<String> workflowNames, String self) {
        if (workflowNames.isEmpty()) {
            return List.of();
        }
        return tables.database.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(suspectsSql(workflowNames.size()))) {
                int i = tables.bindNow(ps, 1);
                i = Rows.bind(ps, i, workflowNames);
                i = tables.bindNow(ps, i);
                ps.setString(i, self);
                return Rows.list(ps, rs -> new ExecutionStore.OrphanedTask(rs.getString(1), rs.getString(2),
                        rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7),
                        rs.getInt(8), rs.getInt(9) == 1));
            }
        });
    }

    /** The sweep's statement: the database's time, {@code workflows} names, the time again, this process's owner. */
    String suspectsSql(int workflows) {
        return "SELECT t.id, t.execution_id, e.workflow_name, t.task_name, t.claimed_by, t.claim_owner, t.claim_token,"
                + " t.recovery_attempts, CASE WHEN t.lease_expires_at < " + tables.dbNow + " THEN 1 ELSE 0 END"
                + tables.runningClaims(workflows) + " AND (t.lease_expires_at < " + tables.dbNow
                + " OR (t.claim_owner IS NOT NULL AND t.claim_owner <> ?))";
    }


    /**
     * The condition under which an orphan may be taken: the same claim (token; claims older than tokens
     * have none), still Running, and either its owner's process is gone or its lease has expired.
     */
    private String orphanCondition(StatusMove move, boolean ownerGone) {
        return " WHERE id = ? AND " + move.guard() + " AND COALESCE(claim_token, '') = ?"
                + (ownerGone ? "" : " AND lease_expires_at < " + tables.dbNow);
    }

    private int bindOrphan(PreparedStatement ps, int index, ExecutionStore.OrphanedTask orphan, boolean ownerGone)
            throws SQLException {
        int i = index;
        ps.setString(i++, orphan.taskId());
        ps.setString(i++, orphan.token() == null ? "" : orphan.token());
        return ownerGone ? i : tables.bindNow(ps, i);
    }

    /** See {@link ExecutionStore#recover}. */
    boolean recover(ExecutionStore.OrphanedTask orphan, boolean ownerGone, long now) {
        return tables.database.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + tables.tasks + " SET " + RECOVER.set()
                    + ", claimed_by = NULL, claim_owner = NULL, claim_token = NULL, lease_expires_at = NULL,"
                    + " started_at = NULL, recovery_attempts = recovery_attempts + 1, " + StoreTables.ENQUEUE
                    + ", updated_at = ?"
                    + orphanCondition(RECOVER, ownerGone) + " AND recovery_attempts = ?")) {
                ps.setLong(1, now);
                ps.setLong(2, now);
                int i = bindOrphan(ps, 3, orphan, ownerGone);
                ps.setInt(i, orphan.recoveries());
                return Rows.changedOne(ps.executeUpdate(), "recovering task " + orphan.taskId());
            }
        });
    }

    /** See {@link ExecutionStore#abandon}. */
    FinishResult abandon(ExecutionStore.OrphanedTask orphan, boolean ownerGone, String reason, Workflow workflow,
                         long now) {
        return tables.database.inExecutionTransaction(orphan.executionId(), c -> {
            tables.lockExecution(c, orphan.executionId());
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + tables.tasks + " SET " + ABANDON.set()
                    + ", last_error = ?, error_details = ?, completed_at = ?, claimed_by = NULL, claim_owner = NULL,"
                    + " lease_expires_at = NULL, updated_at = ?" + orphanCondition(ABANDON, ownerGone))) {
                ps.setString(1, reason);
                ps.setString(2, reason);
                ps.setLong(3, now);
                ps.setLong(4, now);
                bindOrphan(ps, 5, orphan, ownerGone);
                if (!Rows.changedOne(ps.executeUpdate(), "abandoning task " + orphan.taskId())) {
                    return FinishResult.LOST;
                }
            }
            return propagation.propagate(c, new Propagation.Execution(orphan.executionId(), orphan.workflowName(),
                    null, null), workflow, null, null, null, now);
        });
    }
}
