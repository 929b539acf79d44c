package io.cloaca.engine.store;

import io.cloaca.engine.workflow.Workflow;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A claim is its token: only the holder of the token can renew, release or complete it, and a finish
 * retried after its first try committed (the acknowledgement was lost) is recognised as done and still
 * hands over the dependent the first try claimed. On both backends.
 */
class ClaimTokenTest extends StoreTestBase {

    private Map<String, TaskRecord> rows(String executionId) {
        return store.listTasks(executionId).stream()
                .collect(Collectors.toMap(t -> t.taskName().substring(t.taskName().lastIndexOf(':') + 1), t -> t));
    }

    private ClaimedTask claimRoot(String executionId) {
        List<String> roots = store.createExecution(executionId, "pair", PAIR, "{}", System.currentTimeMillis());
        return store.claim(roots.get(0), claimant, System.currentTimeMillis()).orElseThrow();
    }

    @Test
    void a_retried_finish_whose_first_try_committed_reports_it_and_hands_over_the_claimed_dependent()
            throws Exception {
        String id = UUID.randomUUID().toString();
        ClaimedTask a = claimRoot(id);
        Claimant.Claim next = claimant.newClaim();
        TaskOutcome done = new TaskOutcome.Succeeded("{\"a\": true}");
        long now = System.currentTimeMillis();
        FinishResult first = database.inTransaction(c -> store.finish(c, a, done, PAIR, next, null, now, false));
        assertNotNull(first.next());

        // The same call's second try, as Database runs it when the first commit's acknowledgement is lost.
        FinishResult retried = database.inTransaction(c -> store.finish(c, a, done, PAIR, next, null, now, true));
        assertTrue(retried.recorded());
        assertEquals(first.next(), retried.next(), "the dependent claimed by the committed try is handed over");
        assertEquals(TaskStatus.Running, rows(id).get("b").status());

        // Not a retry (another worker, a timed-out attempt's late result): the claim is spent.
        FinishResult late = database.inTransaction(c -> store.finish(c, a, done, PAIR, null, null, now, false));
        assertFalse(late.recorded());
    }

    @Test
    void only_the_current_token_renews_releases_or_completes_a_claim() {
        String id = UUID.randomUUID().toString();
        ClaimedTask a = claimRoot(id);
        ClaimedTask stale = spent(a);
        assertEquals(0, store.renewLeases(List.of(stale), 60_000));
        assertFalse(store.release(stale, System.currentTimeMillis()));
        assertFalse(store.finish(stale, new TaskOutcome.Failed("x", null), PAIR, null, System.currentTimeMillis())
                .recorded());
        assertEquals(TaskStatus.Running, rows(id).get("a").status());

        assertEquals(1, store.renewLeases(List.of(a), 60_000));
        assertTrue(store.release(a, System.currentTimeMillis()));
        assertEquals(TaskStatus.Ready, rows(id).get("a").status());
        assertEquals(0, store.renewLeases(List.of(a), 60_000), "a given-back claim is not renewed");
    }

    @Test
    void claims_given_back_together_are_those_whose_token_still_holds() {
        List<String> ids = new java.util.ArrayList<>();
        List<ClaimedTask> claims = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = UUID.randomUUID().toString();
            ids.add(id);
            claims.add(claimRoot(id));
        }
        ClaimedTask last = claims.remove(2);
        claims.add(spent(last));
        assertEquals(2, store.release(claims, System.currentTimeMillis()));
        assertEquals(TaskStatus.Ready, rows(ids.get(0)).get("a").status());
        assertEquals(TaskStatus.Ready, rows(ids.get(1)).get("a").status());
        assertEquals(TaskStatus.Running, rows(ids.get(2)).get("a").status(), "a claim whose token changed is kept");
        assertEquals(0, store.release(List.of(), System.currentTimeMillis()));
    }

    @Test
    void ten_thousand_awaited_executions_and_claims_fit_in_chunked_in_lists() {
        Workflow one = Workflow.builder("one").task("t", ctx -> ctx).build();
        String id = UUID.randomUUID().toString();
        List<String> roots = store.createExecution(id, "one", one, "{}", System.currentTimeMillis());
        ClaimedTask t = store.claim(roots.get(0), claimant, System.currentTimeMillis()).orElseThrow();
        List<String> ids = new java.util.ArrayList<>();
        List<ClaimedTask> claims = new java.util.ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            ids.add(UUID.randomUUID().toString());
            claims.add(new ClaimedTask(UUID.randomUUID().toString(), id, "one", one.version(), t.taskName(), 1, 1,
                    "{}", "token-" + i));
        }
        claims.add(t);
        assertEquals(1, store.renewLeases(claims, 60_000), "only the one real claim is renewed");
        assertNotNull(store.finish(t, new TaskOutcome.Succeeded("{}"), one, null, System.currentTimeMillis()).finished());
        ids.add(id);
        assertEquals(List.of(id), store.findFinished(ids).stream().map(ExecutionRecord::id).toList());
    }

    @Test
    @org.junit.jupiter.api.Timeout(60) // guards against a hang only: without the fix the renewal waits for ever
    void renewing_leases_passes_over_a_claim_whose_row_a_finishing_transaction_holds() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(database.dialect() == Dialect.POSTGRESQL,
                "row locks: PostgreSQL only (SQLite serialises its writers)");
        ClaimedTask held = claimRoot(UUID.randomUUID().toString());
        ClaimedTask free = claimRoot(UUID.randomUUID().toString());
        // A group-commit batch that has written held's row and goes on to other executions' rows holds its
        // lock; a renewal that waited for it could close a cycle with that batch (a deadlock).
        try (java.sql.Connection batch = database.dataSource().getConnection()) {
            lockRow(batch, "task_executions", held.taskId());
            assertEquals(1, store.renewLeases(List.of(held, free), 60_000), "the held row is passed over");
            batch.rollback();
        }
        assertEquals(2, store.renewLeases(List.of(held, free), 60_000), "the next heartbeat renews it");
    }
}
