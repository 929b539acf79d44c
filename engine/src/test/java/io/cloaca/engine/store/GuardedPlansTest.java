package io.cloaca.engine.store;

import io.cloaca.engine.TestDatabases;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plans PostgreSQL caches for the statements that move a row's status: made on freshly migrated,
 * empty tables (as a new schema's first executions make them, and as the server then keeps them), each
 * must find its row by key. A plan that scanned the rows in the guarded status instead (the partial
 * index of Ready rows for a claim, the status index for the end of an execution) would cost as much
 * as the backlog on every call, which no functional test notices.
 */
class GuardedPlansTest {

    @Test
    void status_moves_planned_on_empty_tables_find_their_row_by_key() throws SQLException {
        String schema = TestDatabases.newSchemaName();
        try (Database db = Database.open(DatabaseUrl.parse(TestDatabases.PG_URL + "?schema=" + schema), 2, true)) {
            db.migrate(schema);
            String tasks = "\"" + schema + "\".task_executions";
            String executions = "\"" + schema + "\".workflow_executions";
            try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
                // What the server settles on after a prepared statement's first executions, made at once.
                st.execute("SET plan_cache_mode = force_generic_plan");
                assertKeyed(st, "claim", "UPDATE " + tasks + " SET "
                        + StatusMove.task(TaskStatus.Running, TaskStatus.Ready).set() + ", claim_token = $2 WHERE id = $1"
                        + " AND " + StatusMove.task(TaskStatus.Running, TaskStatus.Ready).guard(),
                        "task_executions_pkey");
                StatusMove complete = StatusMove.task(TaskStatus.Completed, TaskStatus.Running);
                assertKeyed(st, "finish", "UPDATE " + tasks + " SET " + complete.set() + ", lease_expires_at = NULL"
                        + " WHERE id = $1 AND " + complete.guard() + " AND claim_token = $2", "task_executions_pkey");
                StatusMove end = StatusMove.execution(ExecutionStatus.Completed, ExecutionStatus.Running);
                assertKeyed(st, "ending", "UPDATE " + executions + " SET " + end.set() + " WHERE id = $1 AND "
                        + end.guard(), "workflow_executions_pkey");
            }
        }
    }

    private static void assertKeyed(Statement st, String name, String sql, String primaryKey) throws SQLException {
        boolean two = sql.contains("$2");
        st.execute("PREPARE " + name + (two ? "(text, text)" : "(text)") + " AS " + sql);
        List<String> plan = new ArrayList<>();
        try (ResultSet rs = st.executeQuery("EXPLAIN EXECUTE " + name + (two ? "('a', 'b')" : "('a')"))) {
            while (rs.next()) {
                plan.add(rs.getString(1));
            }
        }
        String text = String.join("\n", plan);
        assertTrue(text.contains("Index Scan using " + primaryKey), name + " should use " + primaryKey + ":\n" + text);
    }
}
