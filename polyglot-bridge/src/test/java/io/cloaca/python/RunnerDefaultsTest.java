package io.cloaca.python;

import io.cloaca.engine.CloacaVersion;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.store.DatabaseUrl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Python module and the engine share one set of runner defaults and one version. */
class RunnerDefaultsTest {

    private static final String PG_URL = System.getenv().getOrDefault("CLOACA_TEST_PG_URL",
            "postgresql://postgres@127.0.0.1:5432/postgres");

    /** One interpreter for all: starting one costs seconds. */
    private static PythonRuntime python;

    @BeforeAll
    static void startPython() {
        python = PythonRuntime.builder().build();
        python.eval("import cloaca");
    }

    @AfterAll
    static void stopPython() {
        python.close();
    }

    @AfterEach
    void shutDownRunners() {
        python.runners().close();
    }

    @Test
    void a_runner_without_configuration_and_one_with_the_default_configuration_are_configured_alike() {
        python.eval("""
                plain = cloaca.DefaultRunner(":memory:")
                configured = cloaca.DefaultRunner.with_config(":memory:", cloaca.DefaultRunnerConfig())
                """);
        List<Runner> runners = python.runners().openRunners();
        assertEquals(2, runners.size());
        for (Runner runner : runners) {
            assertEquals(RunnerConfig.DEFAULT, runner.config());
        }
    }

    @Test
    void python_reports_the_engines_defaults() {
        python.eval("c = cloaca.DefaultRunnerConfig()");
        RunnerConfig d = RunnerConfig.DEFAULT;
        assertEquals(d.pollInterval().toMillis(), python.eval("c.executor_poll_interval_ms").asLong());
        assertEquals(d.maxConcurrentTasks(), python.eval("c.max_concurrent_tasks").asInt());
        assertEquals(d.taskTimeout().toSeconds(), python.eval("c.task_timeout_seconds").asLong());
        assertEquals(d.executionTimeout().toSeconds(), python.eval("c.pipeline_timeout_seconds").asLong());
        assertEquals(d.dbPoolSize(), python.eval("c.db_pool_size").asInt());
        assertEquals(d.leaseDuration().toMillis(),
                Math.round(python.eval("c.stale_claim_threshold_seconds").asDouble() * 1000));
        assertEquals(d.shutdownGrace().toMillis(),
                Math.round(python.eval("c.shutdown_timeout_seconds").asDouble() * 1000));
        assertEquals(d.maxRecoveries(), python.eval("c.max_recovery_attempts").asInt());
        // Upstream's knobs stay ints, the durability knobs' seconds floats.
        assertEquals("int float", python.eval(
                "type(c.executor_poll_interval_ms).__name__ + ' ' + type(c.heartbeat_interval_seconds).__name__")
                .asString());
    }

    @Test
    void with_schema_applies_the_configuration_it_is_given() throws SQLException {
        String schema = "defaults_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        try {
            python.eval("config = cloaca.DefaultRunnerConfig(max_concurrent_tasks=2, "
                    + "executor_poll_interval_ms=250, shutdown_timeout_seconds=1.5)\n"
                    + "runner = cloaca.DefaultRunner.with_schema('" + PG_URL + "', '" + schema + "', config)");
            RunnerConfig config = python.runners().openRunners().get(0).config();
            assertEquals(2, config.maxConcurrentTasks());
            assertEquals(Duration.ofMillis(250), config.pollInterval());
            assertEquals(Duration.ofMillis(1500), config.shutdownGrace());
            assertEquals(RunnerConfig.DEFAULT.leaseDuration(), config.leaseDuration());
        } finally {
            python.runners().close();
            DatabaseUrl.Postgres pg = (DatabaseUrl.Postgres) DatabaseUrl.parse(PG_URL);
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
                 Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
            }
        }
    }

    @Test
    void the_module_version_is_the_maven_project_version() {
        assertTrue(CloacaVersion.get().matches("\\d+\\.\\d+\\.\\d+.*"), CloacaVersion.get());
        assertEquals(CloacaVersion.get(), python.eval("cloaca.__version__").asString());
        assertEquals(CloacaVersion.get(), python.eval("cloaca.get_version()").asString());
    }
}
