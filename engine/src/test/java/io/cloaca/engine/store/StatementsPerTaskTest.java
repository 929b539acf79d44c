package io.cloaca.engine.store;

import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.execution.RunnerFactory;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;
import io.cloaca.engine.execution.ExecutionResult;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What one execution costs the database on the hot path, counted on the wire from PgJDBC's protocol
 * log: statements sent (each {@code Execute}, COMMIT included), round trips ({@code Sync}) and transactions
 * (each {@code BEGIN}).
 * Executions run one after another, so nothing is grouped. Counts, not timings: the bounds catch a
 * change that adds statements; the printed figures feed the table in docs/benchmarks.md.
 */
class StatementsPerTaskTest {

    private static final int RUNS = 50;

    /** Counts protocol messages while {@link #counting}. */
    private static final class WireCounter extends Handler {
        final AtomicInteger statements = new AtomicInteger();
        final AtomicInteger roundTrips = new AtomicInteger();
        final AtomicInteger commits = new AtomicInteger();
        volatile boolean counting;

        @Override
        public void publish(LogRecord r) {
            String message = r.getMessage();
            if (!counting || message == null) {
                return;
            }
            if (message.contains("FE=> Execute")) {
                statements.incrementAndGet();
            } else if (message.contains("FE=> Sync")) {
                roundTrips.incrementAndGet();
            } else if (message.contains("FE=> SimpleQuery") && r.getParameters() != null
                    && "BEGIN".equals(String.valueOf(r.getParameters()[0]))) {
                // PgJDBC sends BEGIN ahead of a transaction's first statement, in its round trip; every
                // transaction of the hot path ends in a commit (sent as a statement of its own).
                commits.incrementAndGet();
            }
        }

        void reset() {
            statements.set(0);
            roundTrips.set(0);
            commits.set(0);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    @Test
    void one_task_workflows_and_chains_cost_a_bounded_number_of_statements_on_postgresql() {
        WorkflowRegistry registry = new WorkflowRegistry();
        registry.register(Workflow.builder("one").task("t", ctx -> ctx).build());
        Workflow.Builder chain = Workflow.builder("chain");
        for (int i = 0; i < 10; i++) {
            chain.task("t" + i, i == 0 ? List.of() : List.of("t" + (i - 1)), ctx -> ctx);
        }
        registry.register(chain.build());
        // No background maintenance (heartbeats, sweeps, polls): only the executions' own statements count.
        onPostgres(registry, RunnerConfig.DEFAULT, (runner, counter) -> {
            // A lone finish that its round trip writes in full (the one task's, a chain's step) sends neither
            // the execution's lock nor the read of its rows: a statement more per task would show here.
            measure(runner, counter, "one", 1, 2, 6, 2);
            measure(runner, counter, "chain", 10, 11, 35, 12);
        });
    }

    @Test
    void under_a_backlog_a_one_task_workflow_still_costs_two_transactions_on_postgresql() {
        WorkflowRegistry registry = new WorkflowRegistry();
        registry.register(Workflow.builder("one").task("t", ctx -> ctx).build());
        // One worker and nothing claimed ahead of it: all but the first few roots wait Ready in the queue, and
        // each is claimed by the finish before it (without that, by a transaction of its own: 3 per workflow).
        // With the default claim_ahead, the roots within a second of work are claimed at creation instead.
        RunnerConfig config = RunnerConfig.builder().maxConcurrentTasks(1).claimAhead(java.time.Duration.ZERO).build();
        onPostgres(registry, config, (runner, counter) -> {
            runner.execute("one", Context.empty()); // warm-up: prepared statements, pool
            counter.reset();
            counter.counting = true;
            List<CompletableFuture<ExecutionResult>> results = new ArrayList<>();
            for (int i = 0; i < RUNS; i++) {
                results.add(runner.submit("one", Context.empty()).result());
            }
            for (CompletableFuture<ExecutionResult> result : results) {
                assertEquals(ExecutionStatus.Completed, result.get(60, TimeUnit.SECONDS).status());
            }
            counter.counting = false;
            double commits = counter.commits.get() / (double) RUNS;
            System.out.printf("one under a backlog, per execution: %.2f commits%n", commits);
            assertTrue(commits <= 2.1, commits + " commits per execution");
        });
    }

    private interface Measurement {
        void run(Runner runner, WireCounter counter) throws Exception;
    }

    /**
     * Runs {@code measurement} on a runner of a new PostgreSQL schema without background maintenance
     * (heartbeats, sweeps, polls: only the executions' own statements count), PgJDBC's protocol log
     * feeding the counter.
     */
    private static void onPostgres(WorkflowRegistry registry, RunnerConfig config, Measurement measurement) {
        Logger protocol = Logger.getLogger("org.postgresql.core.v3.QueryExecutorImpl");
        Level level = protocol.getLevel();
        WireCounter counter = new WireCounter();
        protocol.setLevel(Level.FINEST);
        protocol.addHandler(counter);
        protocol.setUseParentHandlers(false);
        String url = TestDatabases.PG_URL + "?schema=" + TestDatabases.newSchemaName();
        try (RunnerFactory runners = new RunnerFactory(registry, java.time.Clock.systemUTC(), false);
             Runner runner = runners.open(url, config)) {
            measurement.run(runner, counter);
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            protocol.removeHandler(counter);
            protocol.setLevel(level);
            protocol.setUseParentHandlers(true);
        }
    }

    private static void measure(Runner runner, WireCounter counter, String workflow, int tasks, double maxCommits,
                                double maxStatements, double maxRoundTrips) {
        for (int i = 0; i < 10; i++) {
            runner.execute(workflow, Context.empty()); // warm-up: prepared statements, pool
        }
        counter.reset();
        counter.counting = true;
        for (int i = 0; i < RUNS; i++) {
            runner.execute(workflow, Context.empty());
        }
        counter.counting = false;
        double commits = counter.commits.get() / (double) RUNS;
        double roundTrips = counter.roundTrips.get() / (double) RUNS;
        double statements = counter.statements.get() / (double) RUNS;
        System.out.printf("%s (%d task(s)) per execution: %.1f commits, %.1f statements, %.1f round trips"
                        + " (per task: %.2f / %.2f / %.2f)%n", workflow, tasks, commits, statements, roundTrips,
                commits / tasks, statements / tasks, roundTrips / tasks);
        assertTrue(commits <= maxCommits, workflow + ": " + commits + " commits per execution");
        assertTrue(statements <= maxStatements, workflow + ": " + statements + " statements per execution");
        assertTrue(roundTrips <= maxRoundTrips, workflow + ": " + roundTrips + " round trips per execution");
    }
}
