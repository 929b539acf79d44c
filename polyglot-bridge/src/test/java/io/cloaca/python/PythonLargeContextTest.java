package io.cloaca.python;

import io.cloaca.engine.store.DatabaseUrl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A Python task's context holding a string over 20,000,000 characters (Jackson's default limit, which
 * upstream's serde_json does not have) runs end to end on SQLite and on PostgreSQL: the task's answer is
 * read, stored, handed to its dependent and read back as the final context.
 */
class PythonLargeContextTest {

    private static final String PG_URL = System.getenv().getOrDefault("CLOACA_TEST_PG_URL",
            "postgresql://postgres@127.0.0.1:5432/postgres");

    /** One interpreter for both backends: starting one costs seconds. */
    private static PythonRuntime python;

    @BeforeAll
    static void defineTheWorkflow() {
        python = PythonRuntime.builder().build();
        python.eval("""
                import cloaca

                @cloaca.task(id="make")
                def make(ctx):
                    ctx.set("blob", "x" * 20_000_001)

                @cloaca.task(id="measure", dependencies=["make"])
                def measure(ctx):
                    ctx.set("length", len(ctx.get("blob")))

                with cloaca.WorkflowBuilder("big") as builder:
                    builder.add_task("make")
                    builder.add_task("measure")

                def run_big(url):
                    with cloaca.DefaultRunner(url) as runner:
                        result = runner.execute("big", cloaca.Context())
                        if result.status != "Completed":
                            return f"{result.status}: {[t['error'] for t in result.task_results]}"
                        return f"{result.final_context.get('length')} {len(result.final_context.get('blob'))}"
                """);
    }

    @AfterAll
    static void stopPython() {
        python.close();
    }

    @ParameterizedTest(name = "on {0}")
    @ValueSource(strings = {"sqlite", "postgresql"})
    void a_string_over_twenty_million_characters_runs_end_to_end(String backend, @TempDir Path dir) throws SQLException {
        String schema = "large_context_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        String url = backend.equals("sqlite") ? "sqlite://" + dir.resolve("big.db") : PG_URL + "?schema=" + schema;
        try {
            assertEquals("20000001 20000001", python.eval("run_big('" + url + "')").asString());
        } finally {
            if (backend.equals("postgresql")) {
                dropSchema(schema);
            }
        }
    }

    private static void dropSchema(String schema) throws SQLException {
        DatabaseUrl.Postgres pg = (DatabaseUrl.Postgres) DatabaseUrl.parse(PG_URL);
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
             Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
        }
    }
}
