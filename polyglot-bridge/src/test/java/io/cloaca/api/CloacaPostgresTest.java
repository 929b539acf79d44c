package io.cloaca.api;

import io.cloaca.engine.store.DatabaseUrl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The API on PostgreSQL ({@code CLOACA_TEST_PG_URL}), in a schema of its own that it creates. */
class CloacaPostgresTest {

    private static final String PG_URL = System.getenv().getOrDefault("CLOACA_TEST_PG_URL",
            "postgresql://postgres@127.0.0.1:5432/postgres");

    private final String schema = "api_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);

    @Test
    void a_java_workflow_runs_in_the_configured_schema_and_a_second_engine_sees_its_tables() {
        Workflow count = Workflow.named("count")
                .task("one", ctx -> ctx.put("n", 1))
                .task("two", List.of("one"), ctx -> ctx.put("n", ctx.getInt("n") + 1))
                .build();
        for (int run = 1; run <= 2; run++) { // the second start finds the schema and its tables in place
            try (Cloaca cloaca = Cloaca.configure().database(PG_URL).schema(schema).maxConcurrentTasks(2).start()) {
                ExecutionResult result = cloaca.register(count).execute("count", Context.of(Map.of("run", run)));
                assertEquals(ExecutionStatus.COMPLETED, result.status());
                assertEquals(2, result.context().getInt("n"));
                assertEquals(run, result.context().getInt("run"));
            }
        }
    }

    @AfterEach
    void dropSchema() throws SQLException {
        DatabaseUrl.Postgres pg = (DatabaseUrl.Postgres) DatabaseUrl.parse(PG_URL);
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
             Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
        }
    }
}
