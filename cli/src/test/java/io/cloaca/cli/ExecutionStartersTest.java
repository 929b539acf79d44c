package io.cloaca.cli;

import io.cloaca.engine.store.Database;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.Dialect;
import io.cloaca.engine.store.Migrations;
import io.cloaca.engine.store.StartedBy;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What started each execution, on a database an older engine left (before V8 recorded it on the execution's
 * row): the cron and trigger audit rows say it. The recorded case is covered by the commands' and the UI's
 * tests, on databases this version wrote.
 */
class ExecutionStartersTest {

    @TempDir
    Path dir;

    @Test
    void on_a_database_before_v8_the_audit_rows_say_what_started_each_execution() throws SQLException {
        Path file = dir.resolve("old.db");
        String jdbc = "jdbc:sqlite:" + file;
        Flyway.configure(getClass().getClassLoader()).locations(Dialect.SQLITE.migrationLocation())
                .table(Migrations.HISTORY_TABLE).target("7").dataSource(jdbc, null, null).load().migrate();
        try (Connection c = DriverManager.getConnection(jdbc); Statement st = c.createStatement()) {
            for (String id : List.of("by-cron", "by-trigger", "by-caller")) {
                st.execute("INSERT INTO workflow_executions (id, workflow_name, workflow_version, status,"
                        + " initial_context, started_at, updated_at) VALUES ('" + id + "', 'one', 'v', 'Completed', '{}', 1, 1)");
            }
            st.execute("INSERT INTO cron_schedules (id, workflow_name, cron_expression, timezone, enabled,"
                    + " catchup_policy, next_run_at, created_at, updated_at) VALUES ('s1', 'one', '* * * * *', 'UTC',"
                    + " TRUE, 'skip', 1, 1, 1)");
            st.execute("INSERT INTO cron_executions (id, schedule_id, execution_id, scheduled_time, claimed_at,"
                    + " claimed_by, outcome, created_at, updated_at) VALUES ('a1', 's1', 'by-cron', 1, 1, 'r', 'started', 1, 1)");
            st.execute("INSERT INTO trigger_schedules (id, trigger_name, workflow_name, poll_interval_ms,"
                    + " allow_concurrent, enabled, next_poll_at, created_at, updated_at) VALUES ('t1', 'inbox', 'one',"
                    + " 1000, FALSE, TRUE, 1, 1, 1)");
            st.execute("INSERT INTO trigger_executions (id, trigger_name, execution_id, outcome, polled_at,"
                    + " polled_by, created_at) VALUES ('a2', 'inbox', 'by-trigger', 'fired', 1, 'r', 1)");
        }

        try (Database database = Database.openReadOnly(DatabaseUrl.parse("sqlite://" + file), 1)) {
            assertEquals(Map.of("by-cron", StartedBy.cron("s1"), "by-trigger", StartedBy.trigger("inbox")),
                    new ExecutionStarters(database, null).of(List.of("by-cron", "by-trigger", "by-caller")));
        }
    }
}
