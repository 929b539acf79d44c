package io.cloaca.engine.store;

import io.cloaca.engine.workflow.Workflow;
import org.junit.jupiter.api.Test;

import java.sql.PreparedStatement;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The finish of a one-task workflow's task (on PostgreSQL one statement that locks the execution,
 * records the outcome and ends the execution): it ends the execution only after an outcome it recorded,
 * and leaves an execution that is no longer Running as it is. On both backends.
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
        database.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + table("workflow_executions")
                    + " SET status = 'Failed', error_message = 'abandoned', completed_at = 1 WHERE id = ?")) {
                ps.setString(1, id);
                return ps.executeUpdate();
            }
        });
        FinishResult result = store.finish(t, new TaskOutcome.Succeeded("{}"), ONE, null, System.currentTimeMillis());
        assertTrue(result.recorded());
        assertEquals(ExecutionStatus.Failed, store.findExecution(id).orElseThrow().status());
        assertEquals(TaskStatus.Completed, taskStatus(id));
    }
}
