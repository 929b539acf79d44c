package io.cloaca.engine.durability;

import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.ExecutionResult;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.store.ExecutionStatus;
import io.cloaca.engine.store.TaskRecord;
import io.cloaca.engine.store.TaskStatus;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runner outlives its database connections being cut, and waits out a lock held by someone else. */
class DatabaseFaultsTest {

    @TempDir
    Path dir;

    /** A chain of {@code length} tasks that counts how often each body ran; task 3 waits for {@code gate}. */
    private static Workflow countedChain(int length, Map<String, AtomicInteger> runs, CountDownLatch reached,
                                         CountDownLatch gate) {
        Workflow.Builder b = Workflow.builder("chain");
        for (int i = 1; i <= length; i++) {
            String id = "t" + i;
            b.task(id, i == 1 ? List.of() : List.of("t" + (i - 1)), ctx -> {
                runs.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                if (id.equals("t3")) {
                    reached.countDown();
                    gate.await(60, TimeUnit.SECONDS);
                }
                return ctx.set(id, true);
            });
        }
        return b.build();
    }

    private static void assertRanOnceAndCompleted(Runner runner, ExecutionResult result, Map<String, AtomicInteger> runs,
                                                  int length) {
        assertEquals(ExecutionStatus.Completed, result.status());
        for (int i = 1; i <= length; i++) {
            assertEquals(1, runs.get("t" + i).get(), "t" + i + " ran " + runs.get("t" + i) + " times");
            assertTrue(result.finalContext().get("t" + i).asBoolean());
        }
        for (TaskRecord task : runner.history().tasks(result.executionId())) {
            assertEquals(TaskStatus.Completed, task.status(), task.taskName());
        }
    }

    /**
     * Waits until a worker thread is blocked inside the SQLite driver (its write waiting for the lock),
     * so that the lock is released only after the runner has run into it: a state, not a delay.
     */
    private static void awaitWorkerInsideSqlite() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            for (Map.Entry<Thread, StackTraceElement[]> thread : Thread.getAllStackTraces().entrySet()) {
                if (thread.getKey().getName().contains("-worker-") && thread.getValue().length > 0
                        && thread.getValue()[0].getClassName().startsWith("org.sqlite")) {
                    return;
                }
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no worker ever waited for the SQLite lock");
    }

    @Test
    void every_postgresql_connection_killed_mid_run_is_survived() throws Exception {
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        CountDownLatch reached = new CountDownLatch(1);
        CountDownLatch gate = new CountDownLatch(1);
        WorkflowRegistry registry = new WorkflowRegistry();
        registry.register(countedChain(6, runs, reached, gate));
        // A name of its own, so that only this runner's connections are cut, not other test runs' on the server.
        String applicationName = "cloaca_faults_" + Long.toHexString(System.nanoTime());
        String url = TestDatabases.PG_URL + "?schema=" + TestDatabases.newSchemaName() + "&ApplicationName=" + applicationName;
        try (Runner runner = Runner.open(url, RunnerConfig.DEFAULT, registry)) {
            Runner.Submission submission = runner.submit("chain", Context.empty());
            assertTrue(reached.await(60, TimeUnit.SECONDS));
            int killed;
            try (Connection admin = TestDatabases.adminConnection(); Statement st = admin.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                         + " WHERE application_name = '" + applicationName + "' AND pid <> pg_backend_pid()")) {
                rs.next();
                killed = rs.getInt(1);
            }
            assertTrue(killed > 0, "no engine connection was open to kill");
            gate.countDown();
            ExecutionResult result = submission.result().get(120, TimeUnit.SECONDS);
            assertRanOnceAndCompleted(runner, result, runs, 6);
        }
    }

    @Test
    void a_sqlite_file_locked_by_another_connection_makes_the_runner_wait_not_lose_updates() throws Exception {
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        CountDownLatch reached = new CountDownLatch(1);
        CountDownLatch gate = new CountDownLatch(1);
        WorkflowRegistry registry = new WorkflowRegistry();
        registry.register(countedChain(6, runs, reached, gate));
        Path file = dir.resolve("locked.db");
        try (Runner runner = Runner.open("sqlite://" + file, RunnerConfig.DEFAULT, registry)) {
            Runner.Submission submission = runner.submit("chain", Context.empty());
            assertTrue(reached.await(60, TimeUnit.SECONDS));
            try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
                 Statement st = other.createStatement()) {
                st.execute("BEGIN EXCLUSIVE");
                gate.countDown(); // t3 now tries to record its outcome while the file is locked
                awaitWorkerInsideSqlite();
                assertTrue(!submission.result().isDone(), "the runner could not have written during the lock");
                st.execute("COMMIT");
            }
            ExecutionResult result = submission.result().get(120, TimeUnit.SECONDS);
            assertRanOnceAndCompleted(runner, result, runs, 6);
        }
    }
}
