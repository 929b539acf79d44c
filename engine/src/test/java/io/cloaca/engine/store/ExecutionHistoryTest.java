package io.cloaca.engine.store;

import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.ExecutionResult;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.retry.RetryCondition;
import io.cloaca.engine.retry.RetryPolicy;
import io.cloaca.engine.workflow.Workflow;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

import static io.cloaca.engine.TestSupport.memoryRunner;
import static io.cloaca.engine.TestSupport.ns;
import static io.cloaca.engine.TestSupport.quickRetry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The read-only history: dependencies and retried attempts kept for readers, pages, filters, activity, starters. */
class ExecutionHistoryTest {

    private static Workflow flakyChain() {
        AtomicInteger calls = new AtomicInteger();
        return Workflow.builder("chain")
                .task("a", ctx -> ctx.set("a", 1))
                .task("b", List.of("a"), quickRetry(3, new RetryCondition.AllErrors()), ctx -> {
                    if (calls.incrementAndGet() <= 2) {
                        throw new IllegalStateException("flake " + calls.get());
                    }
                    return ctx.set("b", 2);
                })
                .task("c", List.of("a", "b"), RetryPolicy.NONE, ctx -> {
                    throw new IllegalArgumentException("no");
                })
                .build();
    }

    private static ExecutionHistory history(Runner runner) {
        return new ExecutionHistory(runner.database(), runner.schema());
    }

    @Test
    void keepsEachTasksDependenciesAndTheAttemptsThatEndedInARetry() {
        try (Runner runner = memoryRunner(flakyChain())) {
            ExecutionResult result = runner.execute("chain", Context.empty());
            Map<String, ExecutionHistory.TaskHistory> tasks = history(runner).taskHistories(result.executionId())
                    .stream().collect(Collectors.toMap(h -> h.task().taskName(), Function.identity()));

            assertEquals(List.of(), tasks.get(ns("chain", "a")).dependencies());
            assertEquals(List.of(ns("chain", "a"), ns("chain", "b")), tasks.get(ns("chain", "c")).dependencies());
            assertEquals(List.of(), tasks.get(ns("chain", "a")).retried(), "a first-time success keeps nothing extra");
            assertEquals(List.of(), tasks.get(ns("chain", "c")).retried(), "a final failure is the row itself");

            ExecutionHistory.TaskHistory b = tasks.get(ns("chain", "b"));
            assertEquals(3, b.task().attempt());
            assertEquals(TaskStatus.Completed, b.task().status());
            assertEquals(List.of(1, 2), b.retried().stream().map(ExecutionHistory.Attempt::attempt).toList());
            for (ExecutionHistory.Attempt attempt : b.retried()) {
                assertTrue(attempt.error().contains("flake " + attempt.attempt()), attempt.error());
                assertTrue(attempt.startedAt() != null && attempt.startedAt() <= attempt.endedAt(), attempt.toString());
            }
        }
    }

    @Test
    void pagesAndFiltersExecutionsNewestFirstWithTaskCounts() {
        Workflow ok = Workflow.builder("ok").task("x", ctx -> ctx).build();
        try (Runner runner = memoryRunner(flakyChain(), ok)) {
            String failed = runner.execute("chain", Context.empty()).executionId();
            String first = runner.execute("ok", Context.empty()).executionId();
            String second = runner.execute("ok", Context.empty()).executionId();
            ExecutionHistory history = history(runner);

            assertNotEquals(ExecutionHistory.Tables.ABSENT, history.tables());
            assertEquals(List.of("chain", "ok"), history.workflowNames());
            ExecutionHistory.Page all = history.listExecutions(null, null, 0, 10);
            assertEquals(3, all.total());
            ExecutionHistory.Page okOnly = history.listExecutions("ok", null, 0, 1);
            assertEquals(2, okOnly.total());
            assertEquals(1, okOnly.executions().size());
            List<String> pages = List.of(okOnly.executions().get(0).execution().id(),
                    history.listExecutions("ok", null, 1, 1).executions().get(0).execution().id());
            assertEquals(List.of(second, first).stream().sorted().toList(), pages.stream().sorted().toList());
            assertNotEquals(pages.get(0), pages.get(1));

            ExecutionHistory.Page failures = history.listExecutions(null, ExecutionStatus.Failed, 0, 10);
            assertEquals(1, failures.total());
            ExecutionHistory.Summary summary = failures.executions().get(0);
            assertEquals(failed, summary.execution().id());
            assertEquals(Map.of(TaskStatus.Completed, 2, TaskStatus.Failed, 1), summary.taskCounts());
        }
    }

    @Test
    void activityChangesWhenAnExecutionStartsOrEnds() {
        Workflow ok = Workflow.builder("ok").task("x", ctx -> ctx).build();
        try (Runner runner = memoryRunner(ok)) {
            ExecutionHistory history = history(runner);
            Map<String, String> before = history.activity();
            assertEquals(Map.of("", "0/0"), before);
            runner.execute("ok", Context.empty());
            assertEquals(Map.of("", "1/1"), history.activity());
        }
    }

    /**
     * Once a history has seen the started_by column it does not ask for the table's columns again. Seen
     * through a login that may read only the columns the query names: the check ({@code SELECT *}) is
     * refused to it, the query is not.
     */
    @Test
    void startedByAsksForTheColumnsOnlyUntilItHasSeenThem() throws SQLException {
        String schema = TestDatabases.newSchemaName();
        String reader = "cloaca_test_reader_" + schema.substring(schema.length() - 12);
        String table = "\"" + schema + "\".workflow_executions";
        try (Connection c = TestDatabases.adminConnection(); Statement st = c.createStatement()) {
            try (Database database = Database.open(DatabaseUrl.parse(TestDatabases.PG_URL), 1, false)) {
                database.migrate(schema);
            }
            st.execute("INSERT INTO " + table + " (id, workflow_name, workflow_version, status, initial_context,"
                    + " started_at, updated_at, started_by, starter) VALUES ('by-cron', 'one', 'v', 'Completed', '{}',"
                    + " 1, 1, 'cron', 's1')");
            st.execute("CREATE ROLE " + reader + " LOGIN");
            st.execute("GRANT USAGE ON SCHEMA \"" + schema + "\" TO " + reader);
            st.execute("GRANT SELECT ON " + table + " TO " + reader);
            var pg = (DatabaseUrl.Postgres) DatabaseUrl.parse(TestDatabases.PG_URL);
            try (Database database = Database.openReadOnly(pg.withCredentials(reader, null, null), 1)) {
                ExecutionHistory history = new ExecutionHistory(database, schema);
                Map<String, StartedBy> expected = Map.of("by-cron", StartedBy.cron("s1"));
                assertEquals(Optional.of(expected), history.startedBy(List.of("by-cron")));

                st.execute("REVOKE SELECT ON " + table + " FROM " + reader);
                st.execute("GRANT SELECT (id, started_by, starter) ON " + table + " TO " + reader);
                assertEquals(Optional.of(expected), history.startedBy(List.of("by-cron")));
            } finally {
                st.execute("DROP OWNED BY " + reader);
                st.execute("DROP ROLE " + reader);
            }
        }
    }
}
