package io.cloaca.engine.store;

import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.workflow.Workflow;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * On PostgreSQL every task-row update of a chain's steps (a claim from NotStarted, an outcome) is a HOT
 * update: no indexed column changes (V7__hot_task_updates.sql), so none writes an index entry. An index
 * added on a column that those updates change (status, a lease, a claim's owner) makes this test fail.
 */
class HotUpdatesTest {

    private static final int LENGTH = 6;

    @Test
    void a_chains_claims_and_outcomes_are_hot_updates() throws Exception {
        Workflow.Builder builder = Workflow.builder("chain").task("t0", ctx -> ctx);
        for (int i = 1; i < LENGTH; i++) {
            builder.task("t" + i, java.util.List.of("t" + (i - 1)), ctx -> ctx);
        }
        Workflow chain = builder.build();
        String schema = TestDatabases.newSchemaName();
        DatabaseUrl url = DatabaseUrl.parse(TestDatabases.PG_URL + "?schema=" + schema);
        try (Database db = Database.open(url, 2, true)) {
            db.migrate(schema);
            ExecutionStore store = new ExecutionStore(db, schema);
            try (LivenessLock liveness = LivenessLock.open(db)) {
                Claimant claimant = new Claimant("runner-1", liveness.owner(), 60_000);
                String id = UUID.randomUUID().toString();
                long now = System.currentTimeMillis();
                ClaimedTask task = store.createExecution(id, "chain", chain, "{}", claimant, 1, now).claimed().get(0);
                for (int i = 0; i < LENGTH; i++) {
                    FinishResult result = store.finish(task, new TaskOutcome.Succeeded("{\"step\": " + i + "}"), chain,
                            claimant.newClaim(), now + i);
                    assertTrue(result.recorded());
                    task = result.next();
                    if (i < LENGTH - 1) {
                        assertNotNull(task, "step " + i + " hands on its successor");
                    } else {
                        assertNotNull(result.finished(), "the last step ends the execution");
                    }
                }
            }
        }
        // A server process reports its counts when it exits at the latest: closing the pool ended them all.
        long[] counts = awaitUpdates(schema, 2L * LENGTH - 1);
        assertEquals(counts[0], counts[1], "task-row updates / HOT ones: " + counts[0] + " / " + counts[1]);
    }

    /** {n_tup_upd, n_tup_hot_upd} of the schema's task table once at least {@code expected} updates are counted. */
    private static long[] awaitUpdates(String schema, long expected) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        long[] counts = {0, 0};
        try (Connection c = TestDatabases.adminConnection();
             PreparedStatement ps = c.prepareStatement("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables"
                     + " WHERE schemaname = ? AND relname = 'task_executions'")) {
            ps.setString(1, schema);
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        counts = new long[] {rs.getLong(1), rs.getLong(2)};
                        if (counts[0] >= expected) {
                            return counts;
                        }
                    }
                }
                Thread.sleep(100);
            }
        }
        fail("the server counted " + counts[0] + " task-row updates in 60 s; expected at least " + expected);
        return counts;
    }
}
