package io.cloaca.engine.store;

import io.cloaca.engine.TestDatabases;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The finish of a task whose one dependent waits for it alone (a chain's step): it records the outcome and
 * hands the worker the successor, claimed in the same transaction; on PostgreSQL without the execution's
 * lock, and with what the claim could not do (the successor taken meanwhile) done in a second transaction.
 */
class ChainStepTest extends StoreTestBase {

    private ClaimedTask claimedFirst(String executionId) {
        long now = System.currentTimeMillis();
        String root = store.createExecution(executionId, "pair", PAIR, "{\"in\": 1}", now).get(0);
        return store.claim(root, claimant, now).orElseThrow();
    }

    /** The execution's task rows by short name ("a", "b"). */
    private Map<String, TaskRecord> rows(String executionId) {
        return store.listTasks(executionId).stream().collect(Collectors.toMap(
                r -> r.taskName().substring(r.taskName().lastIndexOf(':') + 1), Function.identity()));
    }

    @Test
    void a_step_records_the_outcome_and_hands_on_the_successor_with_the_executions_input() {
        String id = UUID.randomUUID().toString();
        ClaimedTask a = claimedFirst(id);
        Claimant.Claim next = claimant.newClaim();
        FinishResult result = store.finish(a, new TaskOutcome.Succeeded("{\"a\": 1}"), PAIR, next,
                System.currentTimeMillis());

        assertTrue(result.recorded());
        assertNull(result.finished());
        ClaimedTask b = result.next();
        assertNotNull(b, "the successor is handed to the worker");
        assertEquals(rows(id).get("b").taskName(), b.taskName());
        assertEquals(next.token(), b.token());
        assertEquals("{\"in\": 1}", b.initialContext());
        Map<String, TaskRecord> rows = rows(id);
        assertEquals(TaskStatus.Completed, rows.get("a").status());
        assertEquals("{\"a\": 1}", rows.get("a").outputContext());
        assertEquals(TaskStatus.Running, rows.get("b").status());
        assertEquals(ExecutionStatus.Running, store.findExecution(id).orElseThrow().status());
    }

    @Test
    void a_step_whose_successor_was_taken_meanwhile_still_ends_the_execution() throws Exception {
        String id = UUID.randomUUID().toString();
        ClaimedTask a = claimedFirst(id);
        // Another writer moved the successor on meanwhile (as failing the whole execution does to waiting tasks).
        String b = rows(id).get("b").id();
        database.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + table("task_executions")
                    + " SET status = 'Skipped' WHERE id = ?")) {
                ps.setString(1, b);
                return ps.executeUpdate();
            }
        });
        FinishResult result = store.finish(a, new TaskOutcome.Succeeded("{\"a\": 1}"), PAIR, claimant.newClaim(),
                System.currentTimeMillis());

        assertTrue(result.recorded());
        assertNull(result.next(), "nothing to hand on");
        assertNotNull(result.finished(), "every task has ended: so has the execution");
        assertEquals(ExecutionStatus.Completed, store.findExecution(id).orElseThrow().status());
        assertEquals(TaskStatus.Completed, rows(id).get("a").status());
    }

    @Test
    void on_postgresql_a_step_does_not_wait_for_the_executions_lock() throws Exception {
        Assumptions.assumeTrue(database.dialect() == Dialect.POSTGRESQL, "SQLite has one writer at a time");
        String id = UUID.randomUUID().toString();
        ClaimedTask a = claimedFirst(id);
        try (Connection holder = TestDatabases.adminConnection()) {
            lockRow(holder, "workflow_executions", id);
            CompletableFuture<FinishResult> step = CompletableFuture.supplyAsync(() -> store.finish(a,
                    new TaskOutcome.Succeeded("{}"), PAIR, claimant.newClaim(), System.currentTimeMillis()));
            try {
                // Were the step to take the lock, it would wait until the holder lets go below.
                FinishResult result = step.get(30, TimeUnit.SECONDS);
                assertTrue(result.recorded());
                assertNotNull(result.next());
            } finally {
                holder.rollback();
            }
        }
    }
}
