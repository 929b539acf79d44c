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
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void another_engine_on_the_schema_reads_the_history_and_a_malformed_id_never_reaches_the_database() {
        String completed;
        String failed;
        try (Cloaca cloaca = Cloaca.configure().database(PG_URL).schema(schema).start()) {
            cloaca.register(Workflow.named("count").task("one", ctx -> ctx.put("n", 1))
                    .task("two", List.of("one"), ctx -> ctx.put("n", ctx.getInt("n") + 1)).build());
            cloaca.register(Workflow.named("broken").task("boom", List.of(), Retry.NONE, ctx -> {
                throw new IllegalStateException("no stock");
            }).build());
            completed = cloaca.execute("count").executionId();
            failed = cloaca.execute("broken").executionId();
        }
        // No workflow registered here: the history is the database's, not this engine's.
        try (Cloaca cloaca = Cloaca.configure().database(PG_URL).schema(schema).start()) {
            ExecutionResult count = cloaca.execution(completed).orElseThrow();
            assertEquals(ExecutionStatus.COMPLETED, count.status());
            assertEquals(2, count.context().getInt("n"));
            assertEquals(List.of("one", "two"), count.tasks().stream().map(TaskResult::name).toList());
            assertEquals("IllegalStateException: no stock",
                    cloaca.execution(failed).orElseThrow().task("boom").orElseThrow().error());
            assertEquals(Optional.empty(), cloaca.execution(UUID.randomUUID().toString()));

            assertEquals(List.of(failed), ids(cloaca.executions(ExecutionQuery.newest(10).status(ExecutionStatus.FAILED))));
            assertEquals(List.of(completed), ids(cloaca.executions(ExecutionQuery.newest(10).workflow("count"))));
            ExecutionSummary summary = cloaca.executions(ExecutionQuery.newest(10).workflow("count")).get(0);
            assertEquals(2, summary.taskCounts().get(TaskStatus.COMPLETED));
            assertEquals(Set.of(completed, failed), Set.copyOf(ids(cloaca.executions(ExecutionQuery.newest(10)))));

            // PostgreSQL refuses a NUL byte in a parameter; the id check answers first, saying what an id is.
            String nul = completed.substring(0, 35) + "\0";
            assertTrue(assertThrows(IllegalArgumentException.class, () -> cloaca.execution(nul)).getMessage()
                    .endsWith("is not a UUID (expected 8-4-4-4-12 hexadecimal digits, as submit returns)"));
        }
    }

    private static List<String> ids(List<ExecutionSummary> executions) {
        return executions.stream().map(ExecutionSummary::executionId).toList();
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
