package io.cloaca.engine.store;

import io.cloaca.engine.workflow.Workflow;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A finish of a task that nothing depends on claims the queued task its worker hands it, in the same
 * transaction, under the worker's next claim, and only when the outcome is recorded; a task that is no
 * longer Ready, or whose row another transaction holds, is left alone. On both backends.
 */
class QueuedClaimTest extends StoreTestBase {

    private static final Workflow ONE = Workflow.builder("one").task("t", ctx -> ctx).build();

    /** Creates an execution of {@code workflow} and returns its root's id, Ready and unclaimed. */
    private String readyRoot(Workflow workflow) {
        return store.createExecution(UUID.randomUUID().toString(), workflow.name(), workflow, "{\"n\": 1}",
                System.currentTimeMillis()).get(0);
    }

    private ClaimedTask running(Workflow workflow) {
        return store.claim(readyRoot(workflow), claimant, System.currentTimeMillis()).orElseThrow();
    }

    private TaskRecord row(String executionId, String taskId) {
        return store.listTasks(executionId).stream().filter(t -> t.id().equals(taskId)).findFirst().orElseThrow();
    }

    private String executionOf(String taskId) throws Exception {
        try (Connection c = database.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT execution_id FROM "
                     + table("task_executions") + " WHERE id = ?")) {
            ps.setString(1, taskId);
            try (var rs = ps.executeQuery()) {
                assertTrue(rs.next());
                return rs.getString(1);
            }
        }
    }

    @Test
    void the_finish_of_a_one_task_workflow_claims_the_queued_task_in_its_transaction() throws Exception {
        ClaimedTask done = running(ONE);
        String queued = readyRoot(ONE);
        Claimant.Claim next = claimant.newClaim();

        FinishResult result = store.finish(done, new TaskOutcome.Succeeded("{}"), ONE, next, queued,
                System.currentTimeMillis());

        assertTrue(result.recorded());
        assertNotNull(result.finished(), "the one-task execution ended");
        ClaimedTask claimed = result.next();
        assertNotNull(claimed, "the queued task is handed to the worker");
        assertEquals(queued, claimed.taskId());
        assertEquals(next.token(), claimed.token());
        assertEquals("{\"n\": 1}", claimed.initialContext(), "what the worker needs is read with the claim");
        assertEquals(ONE.version(), claimed.workflowVersion());
        TaskRecord row = row(claimed.executionId(), queued);
        assertEquals(TaskStatus.Running, row.status());
        assertEquals(claimant.runnerId(), row.claimedBy());
        // The claim is a real one: it completes under its token.
        assertTrue(store.finish(claimed, new TaskOutcome.Succeeded("{}"), ONE, null, System.currentTimeMillis())
                .recorded());
    }

    @Test
    void a_failed_task_that_nothing_depends_on_also_hands_over_the_queued_task() {
        ClaimedTask done = running(ONE);
        String queued = readyRoot(ONE);
        FinishResult result = store.finish(done, new TaskOutcome.Failed("boom", null), ONE, claimant.newClaim(),
                queued, System.currentTimeMillis());
        assertTrue(result.recorded());
        assertEquals(queued, result.next().taskId());
    }

    @Test
    void a_lost_claim_records_nothing_and_claims_nothing() throws Exception {
        ClaimedTask done = running(ONE);
        ClaimedTask stale = spent(done);
        String queued = readyRoot(ONE);

        FinishResult result = store.finish(stale, new TaskOutcome.Succeeded("{}"), ONE, claimant.newClaim(), queued,
                System.currentTimeMillis());

        assertFalse(result.recorded());
        assertNull(result.next());
        assertEquals(TaskStatus.Ready, row(executionOf(queued), queued).status());
    }

    @Test
    void a_queued_task_no_longer_ready_is_left_alone() throws Exception {
        ClaimedTask done = running(ONE);
        String queued = readyRoot(ONE);
        ClaimedTask takenElsewhere = store.claim(queued, new Claimant("runner-2", liveness.owner(), 60_000),
                System.currentTimeMillis()).orElseThrow();

        FinishResult result = store.finish(done, new TaskOutcome.Succeeded("{}"), ONE, claimant.newClaim(), queued,
                System.currentTimeMillis());

        assertTrue(result.recorded());
        assertNull(result.next());
        TaskRecord row = row(takenElsewhere.executionId(), queued);
        assertEquals("runner-2", row.claimedBy(), "the other runner's claim stands");
    }

    @Test
    void a_task_with_a_dependent_hands_over_its_successor_not_the_queued_task() throws Exception {
        ClaimedTask a = running(PAIR);
        String queued = readyRoot(ONE);
        FinishResult result = store.finish(a, new TaskOutcome.Succeeded("{}"), PAIR, claimant.newClaim(), queued,
                System.currentTimeMillis());
        assertTrue(result.recorded());
        assertEquals(a.executionId(), result.next().executionId(), "the successor b is claimed");
        assertEquals(TaskStatus.Ready, row(executionOf(queued), queued).status());
    }

    @Test
    void a_retried_finish_whose_first_try_committed_hands_over_the_queued_task_it_claimed() {
        ClaimedTask done = running(ONE);
        String queued = readyRoot(ONE);
        Claimant.Claim next = claimant.newClaim();
        long now = System.currentTimeMillis();
        TaskOutcome success = new TaskOutcome.Succeeded("{}");
        FinishResult first = database.inTransaction(c -> store.finish(c, done, success, ONE, next, queued, now, false));
        assertEquals(queued, first.next().taskId());

        // The same call's second try, as Database runs it when the first commit's acknowledgement is lost.
        FinishResult retried = database.inTransaction(c -> store.finish(c, done, success, ONE, next, queued, now, true));
        assertTrue(retried.recorded());
        assertEquals(first.next(), retried.next());
    }

    @Test
    void a_queued_row_another_transaction_holds_is_passed_over_without_waiting() throws Exception {
        Assumptions.assumeTrue(database.dialect() == Dialect.POSTGRESQL,
                "row locks: PostgreSQL only (SQLite serialises its writers)");
        ClaimedTask done = running(ONE);
        String queued = readyRoot(ONE);
        // As a group-commit batch of another process that has locked the row and goes on to other
        // executions' rows: waiting for it in this batch's lock order could close a deadlock.
        try (Connection other = database.dataSource().getConnection()) {
            lockRow(other, "task_executions", queued);
            // On another thread, so that a finish waiting for the lock fails the test instead of hanging it.
            CompletableFuture<FinishResult> finish = CompletableFuture.supplyAsync(() -> store.finish(done,
                    new TaskOutcome.Succeeded("{}"), ONE, claimant.newClaim(), queued, System.currentTimeMillis()));
            FinishResult result;
            try {
                result = finish.get(60, TimeUnit.SECONDS);
            } finally {
                other.rollback();
            }
            assertTrue(result.recorded());
            assertNull(result.next(), "the held row is not claimed");
        }
        assertEquals(TaskStatus.Ready, row(executionOf(queued), queued).status());
    }
}
