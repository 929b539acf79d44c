package io.cloaca.engine.durability;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.LogCapture;
import io.cloaca.engine.Closer;
import io.cloaca.engine.SettableClock;
import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.ExecutionResult;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.execution.RunnerFactory;
import io.cloaca.engine.store.ClaimedTask;
import io.cloaca.engine.store.Claimant;
import io.cloaca.engine.store.ExecutionStatus;
import io.cloaca.engine.store.ExecutionStore;
import io.cloaca.engine.store.TaskOutcome;
import io.cloaca.engine.store.TaskRecord;
import io.cloaca.engine.store.TaskStatus;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static io.cloaca.engine.TestSupport.GENEROUS;
import static io.cloaca.engine.TestSupport.assertCloaca;
import static io.cloaca.engine.TestSupport.registryOf;
import static io.cloaca.engine.TestSupport.taskRows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults a runner meets while it runs: it is paused for longer than its lease, it shares a database
 * with a runner that would have its id, its schema is dropped, its SQLite disk fills up. Each is
 * survived with nothing lost or reported with a clear error, and the runner goes on. Deterministic:
 * no background loops, leases expire because a {@link SettableClock} moves. On SQLite (a file) and,
 * with {@code -Dcloaca.test.backend=postgresql}, on a fresh PostgreSQL schema (the full disk: SQLite only).
 */
class RunnerFaultsTest {

    private static final Duration LEASE = Duration.ofSeconds(60);
    private static final RunnerConfig CONFIG = RunnerConfig.builder().leaseDuration(LEASE).dbPoolSize(3).build();

    @TempDir
    Path dir;
    private final SettableClock clock = new SettableClock();
    private final Closer closer = new Closer();
    private String url;
    private String schema;

    @BeforeEach
    void database() {
        TestDatabases.Shared shared = TestDatabases.shared(dir.resolve("faults.db"));
        url = shared.url();
        schema = shared.schema();
    }

    @AfterEach
    void close() throws Exception {
        closer.close();
    }

    /** A runner of its own process, as far as liveness goes (its own pool and liveness lock). */
    private Runner runner(WorkflowRegistry registry) {
        return closer.add(new RunnerFactory(registry, clock, false)).open(url, CONFIG);
    }

    /**
     * {@code first}, then {@code second}; the first run of {@code first} waits at {@code gate} (after
     * counting down {@code started}), later runs go straight through. {@code first} outputs {@code output}.
     */
    private static Workflow gatedPair(String name, AtomicInteger firstRuns, CountDownLatch started,
                                      CountDownLatch gate, String output) {
        return Workflow.builder(name)
                .task("first", ctx -> {
                    int run = firstRuns.incrementAndGet();
                    if (run == 1) {
                        started.countDown();
                        gate.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS);
                    }
                    return ctx.set("first_run", run).set("output", output);
                })
                .task("second", List.of("first"), ctx -> ctx.set("second", true))
                .build();
    }

    /** Waits for a state of the engine (with a bound only against a hang), never for time to pass. */
    private static void await(String what, BooleanSupplier state) throws InterruptedException {
        long deadline = System.nanoTime() + GENEROUS.toNanos();
        while (!state.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("never happened: " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void a_runner_paused_past_its_lease_loses_the_task_to_another_and_its_late_outcome_is_dropped_and_logged()
            throws Exception {
        AtomicInteger firstRuns = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch gate = new CountDownLatch(1);
        Workflow pair = gatedPair("paused", firstRuns, started, gate, "x");
        Runner paused = runner(registryOf(pair));
        Runner other = runner(registryOf(pair));
        String id = paused.submit("paused", Context.empty()).executionId();
        assertTrue(started.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS));

        clock.advance(LEASE.plusSeconds(1)); // the paused runner sent no heartbeat all that time
        assertEquals(1, other.runMaintenanceOnce().recovered(), "the expired claim is recovered by the other runner");
        ExecutionResult result = other.awaitExecution(id, GENEROUS);
        assertEquals(ExecutionStatus.Completed, result.status());
        assertEquals(2, result.finalContext().get("first_run").asInt(), "the other runner's outcome is the one kept");

        try (LogCapture log = LogCapture.start()) {
            gate.countDown(); // the paused runner wakes up and tries to record its (late) outcome
            await("the paused runner's task returned", () -> paused.runningTasks() == 0);
            assertTrue(log.text().contains("dropped: its claim no longer holds"), log.text());
        }
        assertEquals(0, paused.runMaintenanceOnce().renewed(), "the lost claim is not renewed either");
        TaskRecord first = taskRows(other, id).get("first");
        assertEquals(TaskStatus.Completed, first.status());
        assertEquals(1, first.recoveryAttempts());
        assertTrue(first.outputContext().contains("\"first_run\":2"), first.outputContext());
    }

    @Test
    void runner_ids_are_never_shared_and_a_claim_is_its_token_so_a_shared_id_could_not_mix_claims() {
        Workflow one = Workflow.builder("one").task("t", ctx -> ctx).build();
        Runner a = runner(registryOf(one));
        Runner b = runner(registryOf(one));
        assertNotEquals(a.runnerId(), b.runnerId(), "runner ids are generated, never configured");

        // What two runners with one id in one process would write: the same runner id and liveness owner.
        ExecutionStore store = new ExecutionStore(a.database(), schema, clock);
        String owner = "4f5b1c9e-0000-4000-8000-000000000000";
        Claimant first = new Claimant("same-id", owner, LEASE.toMillis());
        Claimant second = new Claimant("same-id", owner, LEASE.toMillis());
        String x = store.createExecution(UUID.randomUUID().toString(), "one", one, "{}", clock.millis()).get(0);
        String y = store.createExecution(UUID.randomUUID().toString(), "one", one, "{}", clock.millis()).get(0);
        ClaimedTask onX = store.claim(x, first, clock.millis()).orElseThrow();
        ClaimedTask onY = store.claim(y, second, clock.millis()).orElseThrow();
        assertTrue(store.claim(x, second, clock.millis()).isEmpty(), "a claimed task cannot be claimed again");
        ClaimedTask forged = new ClaimedTask(onY.taskId(), onY.executionId(), onY.workflowName(), onY.workflowVersion(),
                onY.taskName(), onY.attempt(), onY.maxAttempts(), onY.initialContext(), onX.token());
        assertFalse(store.finish(forged, new TaskOutcome.Succeeded("{}"), one, null, clock.millis()).recorded(),
                "one holder's token does not complete the other's task");
        assertEquals(1, store.renewLeases(List.of(onX), LEASE.toMillis()), "renewing renews only the holder's claim");
        assertTrue(store.finish(onY, new TaskOutcome.Succeeded("{}"), one, null, clock.millis()).recorded());
        assertTrue(store.release(onX, clock.millis()));
    }

    /** Drops the engine's tables: the whole schema on PostgreSQL, every table of the file on SQLite. */
    private void dropEngineTables(Runner runner) throws Exception {
        try (Connection c = runner.database().dataSource().getConnection(); Statement st = c.createStatement()) {
            if (schema != null) {
                st.execute("DROP SCHEMA \"" + schema + "\" CASCADE");
                return;
            }
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'"
                    + " AND name NOT LIKE 'sqlite_%'")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            st.execute("PRAGMA foreign_keys = OFF");
            for (String table : tables) {
                st.execute("DROP TABLE \"" + table + "\"");
            }
            st.execute("PRAGMA foreign_keys = ON");
        }
    }

    @Test
    void a_schema_dropped_under_a_running_runner_is_reported_clearly_and_nothing_hangs() throws Exception {
        AtomicInteger firstRuns = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch gate = new CountDownLatch(1);
        Workflow pair = gatedPair("dropped", firstRuns, started, gate, "x");
        Runner runner = runner(registryOf(pair));
        Runner.Submission running = runner.submit("dropped", Context.empty());
        assertTrue(started.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS));

        dropEngineTables(runner);
        String missing = "the engine's tables are missing";
        try (LogCapture log = LogCapture.start()) {
            gate.countDown(); // the running task's outcome cannot be recorded
            await("the task returned", () -> runner.runningTasks() == 0);
            assertTrue(log.text().contains("Could not record the outcome of task") && log.text().contains(missing),
                    log.text());
        }
        CloacaException maintenance = assertCloaca(CloacaException.Kind.STORAGE, runner::runMaintenanceOnce);
        assertTrue(maintenance.getMessage().contains(missing), maintenance.getMessage());
        CloacaException submit = assertCloaca(CloacaException.Kind.STORAGE, () -> runner.submit("dropped", Context.empty()));
        assertTrue(submit.getMessage().contains(missing), submit.getMessage());
        assertFalse(running.result().isDone(), "the execution is not reported as ended: its rows are gone, not finished");
        runner.shutdown();
        assertTrue(running.result().isCompletedExceptionally(), "shutdown still releases the waiter");
    }

    /**
     * Caps (or uncaps) the size of the runner's SQLite file on every pooled connection, which is how a
     * full disk looks to SQLite: a write that needs a new page fails with SQLITE_FULL.
     */
    private static void capFileSize(Runner runner, boolean full) throws Exception {
        List<Connection> all = new ArrayList<>();
        try {
            for (int i = 0; i < CONFIG.dbPoolSize(); i++) {
                all.add(runner.database().dataSource().getConnection());
            }
            for (Connection c : all) {
                try (Statement st = c.createStatement()) {
                    long pages;
                    try (ResultSet rs = st.executeQuery("PRAGMA page_count")) {
                        rs.next();
                        pages = rs.getLong(1);
                    }
                    st.execute("PRAGMA max_page_count = " + (full ? pages : 1_073_741_823L));
                }
            }
        } finally {
            for (Connection c : all) {
                c.close();
            }
        }
    }

    @Test
    void a_full_sqlite_disk_fails_the_write_whole_and_clearly_and_the_runner_goes_on_once_there_is_space() throws Exception {
        Assumptions.assumeFalse(TestDatabases.postgres(),
                "a full disk is simulated with SQLite's max_page_count; PostgreSQL's disk_full (53100) gets the same hint");
        AtomicInteger firstRuns = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch gate = new CountDownLatch(1);
        String big = "x".repeat(200_000); // needs new pages, which a full disk cannot give
        Workflow pair = gatedPair("big", firstRuns, started, gate, big);
        Runner runner = runner(registryOf(pair));
        String id = runner.submit("big", Context.empty()).executionId();
        assertTrue(started.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS));

        capFileSize(runner, true);
        try (LogCapture log = LogCapture.start()) {
            gate.countDown();
            await("the task returned", () -> runner.runningTasks() == 0);
            assertTrue(log.text().contains("Could not record the outcome of task")
                    && log.text().contains("the disk is full"), log.text());
        }
        TaskRecord first = taskRows(runner, id).get("first");
        assertEquals(TaskStatus.Running, first.status(), "nothing of the failed write is in the database");
        assertNull(first.outputContext());
        assertEquals(TaskStatus.NotStarted, taskRows(runner, id).get("second").status());

        capFileSize(runner, false); // space is back
        clock.advance(LEASE.plusSeconds(1)); // the claim whose outcome was not recorded expires with its lease
        assertEquals(1, runner.runMaintenanceOnce().recovered());
        ExecutionResult result = runner.awaitExecution(id, GENEROUS);
        assertEquals(ExecutionStatus.Completed, result.status());
        assertEquals(big, result.finalContext().get("output").asText());
        assertEquals(2, firstRuns.get(), "the body ran again (at least once), its outcome was recorded once");
        assertEquals(ExecutionStatus.Completed, runner.execute("big", Context.empty()).status(),
                "new executions run too");
    }
}
