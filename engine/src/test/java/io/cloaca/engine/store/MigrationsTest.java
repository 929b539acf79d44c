package io.cloaca.engine.store;

import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.TestSupport;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.execution.RunnerFactory;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Provisioning tenant schemas on PostgreSQL through the cached migration scripts: a new schema gets
 * every version, an older one is upgraded in place, and two processes racing for one schema both succeed.
 */
class MigrationsTest {

    private static final WorkflowRegistry REGISTRY = new WorkflowRegistry();

    static {
        REGISTRY.register(Workflow.builder("one").task("only", ctx -> ctx.set("done", true)).build());
    }

    private static RunnerFactory factory() {
        return new RunnerFactory(REGISTRY, Clock.systemUTC(), false);
    }

    @Test
    void a_new_schema_gets_every_migration_and_runs_a_workflow() throws SQLException {
        String schema = TestDatabases.newSchemaName();
        try (RunnerFactory runners = factory()) {
            Runner runner = runners.openSchema(TestDatabases.PG_URL, schema, RunnerConfig.DEFAULT);
            assertEquals(ExecutionStatus.Completed, runner.execute("one", Context.empty()).status());
        }
        assertEquals(versionsOnClasspath(), appliedVersions(schema));
    }

    @Test
    void the_plain_scripts_are_the_versioned_ones_in_version_order() {
        List<MigrationScripts.Versioned> scripts = MigrationScripts.of(Dialect.POSTGRESQL).versioned();
        List<Integer> versions = scripts.stream().map(MigrationScripts.Versioned::version).toList();
        // 1, 2, 3, ...: every version once, none skipped, in order (a new migration only adds one at the end)
        assertEquals(java.util.stream.IntStream.rangeClosed(1, versions.size()).boxed().toList(), versions);
        assertTrue(scripts.get(0).sql().contains("CREATE TABLE workflow_executions"), scripts.get(0).sql());
        assertTrue(scripts.get(3).sql().contains("task_attempts"), scripts.get(3).sql());
    }

    @Test
    void a_schema_at_an_older_version_is_upgraded_and_keeps_its_rows() throws SQLException {
        String schema = TestDatabases.newSchemaName();
        List<String> versions = versionsOnClasspath();
        String previous = versions.get(versions.size() - 2);
        migrateTo(schema, previous);
        assertEquals(versions.subList(0, versions.size() - 1), appliedVersions(schema));
        try (Connection c = TestDatabases.adminConnection(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO \"" + schema + "\".workflow_executions (id, workflow_name, workflow_version, status,"
                    + " initial_context, started_at, updated_at) VALUES ('old-1', 'one', 'v', 'Completed', '{}', 1, 1)");
        }

        try (RunnerFactory runners = factory()) {
            Runner runner = runners.openSchema(TestDatabases.PG_URL, schema, RunnerConfig.DEFAULT);
            assertEquals(ExecutionStatus.Completed, runner.execute("one", Context.empty()).status());
            assertTrue(runner.history().findExecution("old-1").isPresent());
        }
        assertEquals(versions, appliedVersions(schema));
    }

    @Test
    void executions_a_schedule_or_a_trigger_started_before_v8_are_recorded_as_such_by_it() throws SQLException {
        String schema = TestDatabases.newSchemaName();
        migrateTo(schema, "7");
        String q = "\"" + schema + "\".";
        try (Connection c = TestDatabases.adminConnection(); Statement st = c.createStatement()) {
            for (String id : List.of("by-cron", "by-trigger", "by-caller")) {
                st.execute("INSERT INTO " + q + "workflow_executions (id, workflow_name, workflow_version, status,"
                        + " initial_context, started_at, updated_at) VALUES ('" + id + "', 'one', 'v', 'Completed', '{}', 1, 1)");
            }
            st.execute("INSERT INTO " + q + "cron_schedules (id, workflow_name, cron_expression, timezone, enabled,"
                    + " catchup_policy, next_run_at, created_at, updated_at) VALUES ('s1', 'one', '* * * * *', 'UTC',"
                    + " TRUE, 'skip', 1, 1, 1)");
            st.execute("INSERT INTO " + q + "cron_executions (id, schedule_id, execution_id, scheduled_time, claimed_at,"
                    + " claimed_by, outcome, created_at, updated_at) VALUES ('a1', 's1', 'by-cron', 1, 1, 'r', 'started', 1, 1)");
            st.execute("INSERT INTO " + q + "trigger_schedules (id, trigger_name, workflow_name, poll_interval_ms,"
                    + " allow_concurrent, enabled, next_poll_at, created_at, updated_at) VALUES ('t1', 'inbox', 'one',"
                    + " 1000, FALSE, TRUE, 1, 1, 1)");
            st.execute("INSERT INTO " + q + "trigger_executions (id, trigger_name, execution_id, outcome, polled_at,"
                    + " polled_by, created_at) VALUES ('a2', 'inbox', 'by-trigger', 'fired', 1, 'r', 1)");
        }

        try (RunnerFactory runners = factory()) {
            Runner runner = runners.openSchema(TestDatabases.PG_URL, schema, RunnerConfig.DEFAULT);
            assertEquals(Map.of("by-cron", StartedBy.cron("s1"), "by-trigger", StartedBy.trigger("inbox")),
                    runner.history().startedBy(List.of("by-cron", "by-trigger", "by-caller")).orElseThrow());
        }
    }

    @Test
    void a_history_reading_a_schema_before_v8_has_no_record_until_a_runner_migrates_it() throws SQLException {
        String schema = TestDatabases.newSchemaName();
        migrateTo(schema, "7");
        try (Connection c = TestDatabases.adminConnection(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO \"" + schema + "\".workflow_executions (id, workflow_name, workflow_version, status,"
                    + " initial_context, started_at, updated_at) VALUES ('old-1', 'one', 'v', 'Completed', '{}', 1, 1)");
        }
        var pg = (DatabaseUrl.Postgres) DatabaseUrl.parse(TestDatabases.PG_URL);
        try (Database database = Database.openReadOnly(pg, 1); RunnerFactory runners = factory()) {
            ExecutionHistory history = new ExecutionHistory(database, schema);
            assertEquals(Optional.empty(), history.startedBy(List.of("old-1")),
                    "an older engine's schema has no record of what started its executions");

            // A runner of this version migrates the schema while the reader lives: the same reader sees the record.
            runners.openSchema(TestDatabases.PG_URL, schema, RunnerConfig.DEFAULT);
            assertEquals(Optional.of(Map.of()), history.startedBy(List.of("old-1")));
        }
    }

    @Test
    void two_processes_provisioning_the_same_schema_at_once_both_succeed() throws Exception {
        String schema = TestDatabases.newSchemaName();
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        // Two factories share nothing: each has its own pools, as two processes would.
        List<RunnerFactory> processes = List.of(factory(), factory());
        try {
            List<Future<Runner>> opened = new ArrayList<>();
            for (RunnerFactory process : processes) {
                opened.add(threads.submit(() -> {
                    start.await(TestSupport.GENEROUS.toSeconds(), TimeUnit.SECONDS);
                    return process.openSchema(TestDatabases.PG_URL, schema, RunnerConfig.DEFAULT);
                }));
            }
            for (Future<Runner> runner : opened) {
                Runner r = runner.get(TestSupport.GENEROUS.toSeconds(), TimeUnit.SECONDS);
                assertEquals(ExecutionStatus.Completed, r.execute("one", Context.empty()).status());
            }
        } finally {
            processes.forEach(RunnerFactory::close);
            threads.shutdownNow();
        }
        assertEquals(versionsOnClasspath(), appliedVersions(schema));
    }

    /** As an older release left {@code schema}: migrated by Flyway's own classpath scan, up to {@code version}. */
    private void migrateTo(String schema, String version) {
        var pg = (DatabaseUrl.Postgres) DatabaseUrl.parse(TestDatabases.PG_URL);
        Flyway.configure(getClass().getClassLoader()).locations(Dialect.POSTGRESQL.migrationLocation())
                .table(Migrations.HISTORY_TABLE).schemas(schema).defaultSchema(schema).createSchemas(true)
                .target(version).dataSource(pg.jdbcUrl(), pg.user(), pg.password()).load().migrate();
    }

    /** The versions of the PostgreSQL scripts, ascending. */
    private static List<String> versionsOnClasspath() {
        return MigrationScripts.of(Dialect.POSTGRESQL).versioned().stream()
                .map(v -> String.valueOf(v.version())).toList();
    }

    /** Successful versioned migrations recorded in the schema's history, each once, ascending. */
    private static List<String> appliedVersions(String schema) throws SQLException {
        List<String> versions = new ArrayList<>();
        try (Connection c = TestDatabases.adminConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT version FROM \"" + schema + "\"." + Migrations.HISTORY_TABLE
                     + " WHERE version IS NOT NULL AND success ORDER BY installed_rank")) {
            while (rs.next()) {
                versions.add(rs.getString(1));
            }
        }
        return versions;
    }
}
