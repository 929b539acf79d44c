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
 * Plans that no functional test notices, because they return the right rows, only at a cost that grows
 * with the backlog or the history. PostgreSQL's are made on freshly migrated, empty tables (as a new
 * schema's first executions make them, and as the server then keeps them): a status move must find its
 * row by key, not scan the rows in the guarded status (the partial index of Ready rows for a claim, the
 * status index for the end of an execution). The poll for Ready work must start from the Ready queue's
 * index on both databases, never from the executions of the polled workflows; the sweep, which no index
 * of task rows serves, must start from the Running executions, never scan the task table.
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

    @Test
    void the_poll_for_ready_work_starts_from_the_ready_rows_on_postgresql() throws SQLException {
        String schema = TestDatabases.newSchemaName();
        try (Database db = Database.open(DatabaseUrl.parse(TestDatabases.PG_URL + "?schema=" + schema), 2, true)) {
            db.migrate(schema);
            String sql = pollSql(db, schema).replaceFirst("\\?", "\\$1").replaceFirst("\\?", "\\$2")
                    .replaceFirst("\\?", "\\$3");
            try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
                st.execute("SET plan_cache_mode = force_generic_plan");
                st.execute("PREPARE poll(bigint, text, int) AS " + sql);
                String plan = explain(st, "EXPLAIN EXECUTE poll(0, 'w', 4)");
                assertTrue(plan.contains("idx_task_executions_queue") && !plan.contains("Seq Scan on workflow_executions")
                        && !plan.contains("idx_workflow_executions_name"), plan);
            }
        }
    }

    @Test
    void the_poll_for_ready_work_starts_from_the_ready_rows_on_sqlite(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws SQLException {
        try (Database db = Database.open(DatabaseUrl.parse("sqlite://" + dir.resolve("plans.db")), 2, true)) {
            db.migrate(null);
            try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
                // SQLite plans every statement afresh, from its own estimates (no statistics are gathered).
                String plan = explain(st, "EXPLAIN QUERY PLAN " + pollSql(db, null).replaceFirst("\\?", "0")
                        .replaceFirst("\\?", "'w'").replaceFirst("\\?", "4"));
                assertTrue(plan.contains("idx_task_executions_queue") && !plan.contains("idx_workflow_executions_name"),
                        plan);
            }
        }
    }

    @Test
    void the_sweep_starts_from_the_running_executions_on_postgresql() throws SQLException {
        String schema = TestDatabases.newSchemaName();
        try (Database db = Database.open(DatabaseUrl.parse(TestDatabases.PG_URL + "?schema=" + schema), 2, true)) {
            db.migrate(schema);
            String sql = sweepSql(db, schema);
            for (int n = 1; sql.contains("?"); n++) {
                sql = sql.replaceFirst("\\?", "\\$" + n);
            }
            try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
                st.execute("SET plan_cache_mode = force_generic_plan");
                st.execute("PREPARE sweep(bigint, text, bigint, text) AS " + sql);
                String plan = explain(st, "EXPLAIN EXECUTE sweep(0, 'w', 0, 'me')");
                // No index holds Running tasks (V7__hot_task_updates.sql): a scan of the task table would read
                // the whole history at every sweep.
                assertTrue(plan.contains("idx_workflow_executions_status") && !plan.contains("Seq Scan on task_executions"),
                        plan);
            }
        }
    }

    @Test
    void the_sweep_starts_from_the_running_executions_on_sqlite(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws SQLException {
        try (Database db = Database.open(DatabaseUrl.parse("sqlite://" + dir.resolve("plans.db")), 2, true)) {
            db.migrate(null);
            String sql = sweepSql(db, null).replaceFirst("\\?", "0").replaceFirst("\\?", "'w'")
                    .replaceFirst("\\?", "0").replaceFirst("\\?", "'me'");
            try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
                String plan = explain(st, "EXPLAIN QUERY PLAN " + sql);
                assertTrue(plan.contains("idx_workflow_executions_status") && !plan.contains("SCAN t"), plan);
            }
        }
    }

    private static String sweepSql(Database db, String schema) {
        return new OrphanRecovery(new StoreTables(db, schema, java.time.Clock.systemUTC()), null).suspectsSql(1);
    }

    private static String pollSql(Database db, String schema) {
        return new TaskClaims(new StoreTables(db, schema, java.time.Clock.systemUTC())).findReadySql(1);
    }

    private static String explain(Statement st, String sql) throws SQLException {
        List<String> plan = new ArrayList<>();
        try (ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                plan.add(rs.getString(rs.getMetaData().getColumnCount()));
            }
        }
        return String.join("\n", plan);
    }

    private static void assertKeyed(Statement st, String name, String sql, String primaryKey) throws SQLException {
        boolean two = sql.contains("$2");
        st.execute("PREPARE " + name + (two ? "(text, text)" : "(text)") + " AS " + sql);
        String text = explain(st, "EXPLAIN EXECUTE " + name + (two ? "('a', 'b')" : "('a')"));
        assertTrue(text.contains("Index Scan using " + primaryKey), name + " should use " + primaryKey + ":\n" + text);
    }
}
