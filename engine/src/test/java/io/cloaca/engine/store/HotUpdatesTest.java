package io.cloaca.engine.store;

import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.workflow.Workflow;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On PostgreSQL every task-row update of a chain's steps (a claim from NotStarted, an outcome) is a HOT
 * update: no indexed column changes (V7__hot_task_updates.sql), so none writes an index entry. Checked on
 * the table's pages with pageinspect, which ships with the server. An index added on a column that those
 * updates change (status, a lease, a claim's owner) makes this test fail.
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
        // Read the rows' current versions off their pages: a version written by a HOT update is flagged
        // heap-only (HEAP_ONLY_TUPLE, 0x8000 in t_infomask2). Every row was updated at least once.
        String table = "\"" + schema + "\".task_executions";
        try (Connection c = TestDatabases.adminConnection(); Statement st = c.createStatement()) {
            String functions = pageinspectSchema(st, schema);
            try (ResultSet rs = st.executeQuery("SELECT count(*), count(*) FILTER (WHERE (p.t_infomask2 & 32768) <> 0),"
                    + " count(*) FILTER (WHERE t.status = 'Completed') FROM " + table + " t JOIN LATERAL "
                    + functions + ".heap_page_items(" + functions + ".get_raw_page('" + table
                    + "', (t.ctid::text::point)[0]::int)) p ON p.lp = (t.ctid::text::point)[1]::int")) {
                assertTrue(rs.next());
                assertEquals(LENGTH, rs.getInt(3), "every task ended Completed");
                assertEquals(LENGTH, rs.getInt(1));
                assertEquals(LENGTH, rs.getInt(2), "task rows whose current version a HOT update wrote");
            }
        }
    }

    /** The schema holding pageinspect's functions: where the database has it, or else {@code schema}, which gets it. */
    private static String pageinspectSchema(Statement st, String schema) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT extnamespace::regnamespace::text FROM pg_extension"
                + " WHERE extname = 'pageinspect'")) {
            if (rs.next()) {
                return rs.getString(1);
            }
        }
        // Dropped with the test's schema.
        st.execute("CREATE EXTENSION pageinspect WITH SCHEMA \"" + schema + "\"");
        return "\"" + schema + "\"";
    }
}
