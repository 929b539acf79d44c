package io.cloaca.engine.store;

import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.workflow.Workflow;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The finish of a one-task workflow's task (on PostgreSQL one round trip, without the execution's lock,
 * that records the outcome, ends the execution and commits): it ends the execution only after an outcome
 * it recorded, and leaves an execution that is no longer Running as it is. On both backends; on PostgreSQL
 * also against a writer that takes the two rows in the other order, as abandoning the claim does.
 */
class OneTaskFinishTest extends StoreTestBase {

    private static final Workflow ONE = Workflow.builder("one").task("t", ctx -> ctx).build();

    private ClaimedTask claimedRoot(String executionId) {
        long now = System.currentTimeMillis();
        String root = store.createExecution(executionId, "one", ONE, "{\"in\": 1}", now).get(0);
        return store.claim(root, claimant, now).orElseThrow();
    }

    private TaskStatus taskStatus(String executionId) {
        return store.listTasks(executionId).get(0).status();
    }

    @Test
    void a_success_ends_the_execution_with_the_tasks_output() {
        String id = UUID.randomUUID().toString();
        ClaimedTask t = claimedRoot(id);
        FinishResult result = store.finish(t, new TaskOutcome.Succeeded("{\"out\": 2}"), ONE, null,
                System.currentTimeMillis());
        assertTrue(result.recorded());
        assertEquals(ExecutionStatus.Completed, result.finished().status());
        assertEquals("{\"out\": 2}", result.finished().finalContext());
        assertEquals(result.finished(), store.findExecution(id).orElseThrow());
        assertEquals(TaskStatus.Completed, taskStatus(id));
    }

    @Test
    void a_spent_claim_records_nothing_and_ends_nothing() {
        String id = UUID.randomUUID().toString();
        ClaimedTask t = claimedRoot(id);
        ClaimedTask stale = spent(t);
        FinishResult result = store.finish(stale, new TaskOutcome.Succeeded("{}"), ONE, null,
                System.currentTimeMillis());
        assertFalse(result.recorded());
        assertNull(result.finished());
        assertEquals(ExecutionStatus.Running, store.findExecution(id).orElseThrow().status());
        assertEquals(TaskStatus.Running, taskStatus(id));
    }

    @Test
    void a_success_in_an_execution_that_ended_elsewhere_is_recorded_and_the_end_is_kept() throws Exception {
        String id = UUID.randomUUID().toString();
        ClaimedTask t = claimedRoot(id);
        // Another writer ended it meanwhile (recovery abandoning it, say).
        database.inTransaction(c -> failExecutionRow(c, id));
        FinishResult result = store.finish(t, new TaskOutcome.Succeeded("{}"), ONE, null, System.currentTimeMillis());
        assertTrue(result.recorded());
        assertEquals(ExecutionStatus.Failed, store.findExecution(id).orElseThrow().status());
        assertEquals(TaskStatus.Completed, taskStatus(id));
    }

    /**
     * A writer that takes the execution's row, then the task's, and fails both, as an abandon of the claim
     * does, on its own connection; {@code deadlockTimeout} decides which of the two transactions the server
     * breaks when they wait for each other: the one whose timeout runs out first.
     */
    private Connection abandonHolder(String executionId, String deadlockTimeout) throws SQLException {
        Connection holder = TestDatabases.adminConnection();
        lockRow(holder, "workflow_executions", executionId);
        try (Statement st = holder.createStatement()) {
            st.execute("SET LOCAL deadlock_timeout = '" + deadlockTimeout + "'");
        }
        return holder;
    }

    private void failBoth(Connection holder, String executionId, String taskId) throws SQLException {
        try (PreparedStatement ps = holder.prepareStatement("UPDATE " + table("task_executions")
                + " SET status = 'Failed', last_error = 'abandoned', claimed_by = NULL WHERE id = ?")) {
            ps.setString(1, taskId);
            ps.executeUpdate();
        }
        failExecutionRow(holder, executionId);
    }

    /** Writes the execution's row Failed on {@code c}, as another writer ending it would. */
    private int failExecutionRow(Connection c, String executionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table("workflow_executions")
                + " SET status = 'Failed', error_message = 'abandoned', completed_at = 1 WHERE id = ?")) {
            ps.setString(1, executionId);
            return ps.executeUpdate();
        }
    }

    /** Waits until a session waits for a lock that {@code holder} holds (the finish, at the execution's row). */
    private static void awaitBlockedBy(Connection holder) throws Exception {
        int pid;
        try (Statement st = holder.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            pid = rs.getInt(1);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (Connection admin = TestDatabases.adminConnection(); PreparedStatement ps = admin.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid))")) {
            ps.setInt(1, pid);
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        return;
                    }
                }
                Thread.onSpinWait();
            }
        }
        throw new AssertionError("the finish never waited for the execution's row");
    }

    private CompletableFuture<FinishResult> finishAsync(ClaimedTask t) {
        return CompletableFuture.supplyAsync(() -> store.finish(t, new TaskOutcome.Succeeded("{\"out\": 2}"), ONE,
                null, System.currentTimeMillis()));
    }

    @Test
    void on_postgresql_a_finish_that_wins_against_an_abandon_ends_the_execution() throws Exception {
        Assumptions.assumeTrue(database.dialect() == Dialect.POSTGRESQL, "SQLite has one writer at a time");
        String id = UUID.randomUUID().toString();
        ClaimedTask t = claimedRoot(id);
        try (Connection holder = abandonHolder(id, "10ms")) {
            CompletableFuture<FinishResult> finish = finishAsync(t);
            awaitBlockedBy(holder);
            // The finish holds the task's row and waits for the execution's: the abandon is the one broken.
            SQLException broken = assertThrows(SQLException.class, () -> failBoth(holder, id, t.taskId()));
            assertEquals("40P01", broken.getSQLState());
            holder.rollback();
            FinishResult result = finish.get(30, TimeUnit.SECONDS);
            assertTrue(result.recorded());
            assertEquals(ExecutionStatus.Completed, result.finished().status());
        }
        assertEquals(ExecutionStatus.Completed, store.findExecution(id).orElseThrow().status());
        assertEquals(TaskStatus.Completed, taskStatus(id));
    }

    @Test
    void on_postgresql_a_finish_that_loses_against_an_abandon_is_retried_and_reports_its_claim_lost()
            throws Exception {
        Assumptions.assumeTrue(database.dialect() == Dialect.POSTGRESQL, "SQLite has one writer at a time");
        String id = UUID.randomUUID().toString();
        ClaimedTask t = claimedRoot(id);
        CompletableFuture<FinishResult> finish;
        try (Connection holder = abandonHolder(id, "60s")) {
            finish = finishAsync(t);
            awaitBlockedBy(holder);
            // The finish's own check (the server's default second) breaks it; the abandon goes on and commits.
            failBoth(holder, id, t.taskId());
            holder.commit();
        }
        FinishResult result = finish.get(30, TimeUnit.SECONDS);
        // Its retry finds the row failed under its token: the abandon's doing, not an earlier try of its own.
        assertFalse(result.recorded());
        assertNull(result.finished());
        assertEquals(ExecutionStatus.Failed, store.findExecution(id).orElseThrow().status());
        assertEquals(TaskStatus.Failed, taskStatus(id));
    }
}
