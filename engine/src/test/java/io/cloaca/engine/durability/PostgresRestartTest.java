package io.cloaca.engine.durability;

import io.cloaca.engine.PrivatePostgres;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.ExecutionResult;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.store.Database;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.LivenessLock;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.cloaca.engine.durability.DatabaseFaultsTest.assertRanOnceAndCompleted;
import static io.cloaca.engine.durability.DatabaseFaultsTest.awaitWorker;
import static io.cloaca.engine.durability.DatabaseFaultsTest.countedChain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PostgreSQL server is stopped mid-run and started again, on a private cluster
 * ({@link PrivatePostgres}; the shared test server is never restarted). A task finishes while the
 * server is down: recording its outcome is retried until the server is back, the liveness lock is taken
 * again, and the execution completes with each task's outcome recorded once and no body run twice.
 */
class PostgresRestartTest {

    private static final int LENGTH = 6;

    private PrivatePostgres pg;
    private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    private final CountDownLatch reached = new CountDownLatch(1);
    private final CountDownLatch gate = new CountDownLatch(1);

    @BeforeEach
    void cluster() throws Exception {
        pg = PrivatePostgres.start();
    }

    @AfterEach
    void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    /** Runs the chain; stops the server once t1 and t2 are done, keeps it down for {@code outage}, starts it. */
    private void restartMidRun(Duration outage) throws Exception {
        WorkflowRegistry registry = new WorkflowRegistry();
        registry.register(countedChain(LENGTH, runs, reached, gate));
        try (Runner runner = Runner.open(pg.url() + "?schema=cloaca_restart", RunnerConfig.DEFAULT, registry)) {
            Runner.Submission submission = runner.submit("chain", Context.empty());
            assertTrue(reached.await(60, TimeUnit.SECONDS), "t3 never started");
            pg.stopServer();
            gate.countDown(); // t3 returns while the server is down
            awaitWorker("retried a transaction while the server was down", stack -> Arrays.stream(stack).anyMatch(
                    f -> f.getClassName().equals(Database.class.getName()) && f.getMethodName().equals("withRetry"))
                    && stack[0].getMethodName().startsWith("sleep"));
            Thread.sleep(outage.toMillis()); // the outage itself, not a wait for the engine
            assertFalse(submission.result().isDone(), "nothing can end while the database is away");
            pg.startServer();
            ExecutionResult result = submission.result().get(120, TimeUnit.SECONDS);
            assertRanOnceAndCompleted(runner, result, runs, LENGTH);
            awaitLivenessLockTakenAgain();
        }
    }

    /** The runner's liveness lock is a session advisory lock: one is held again after the restart. */
    private void awaitLivenessLockTakenAgain() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String jdbc = pg.jdbcUrl();
        try (Connection c = DriverManager.getConnection(jdbc, "postgres", null); Statement st = c.createStatement()) {
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        return;
                    }
                }
                Thread.sleep(50);
            }
        }
        throw new AssertionError("the liveness lock was not taken again after the restart");
    }

    private static double serverAgeSeconds(Connection c) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT extract(epoch FROM clock_timestamp() - pg_postmaster_start_time())")) {
            rs.next();
            return rs.getDouble(1);
        }
    }

    @Test
    void right_after_a_server_restart_an_owner_without_its_lock_counts_as_alive_until_it_could_take_it_again()
            throws Exception {
        String jdbc = pg.jdbcUrl();
        String owner = Long.toString(ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE));
        try (Database db = Database.open(DatabaseUrl.parse(pg.url()), 2, true); LivenessLock probe = LivenessLock.open(db)) {
            // Another process's liveness lock, as far as this JVM can tell: a session of its own holds the key.
            try (Connection other = DriverManager.getConnection(jdbc, "postgres", null); Statement st = other.createStatement()) {
                st.execute("SELECT pg_advisory_lock(" + owner + ")");
                assertEquals(Set.of(), probe.deadAmong(Set.of(owner)), "a held lock is a live owner");
                pg.stopServer(); // the restart ends that session: a live process would now be taking its lock again
            }
            pg.startServer();
            Set<String> justAfter = probe.deadAmong(Set.of(owner));
            try (Connection c = DriverManager.getConnection(jdbc, "postgres", null)) {
                Assumptions.assumeTrue(serverAgeSeconds(c) < 10, "the machine took 10 s to probe once: nothing to judge");
                assertEquals(Set.of(), justAfter, "no owner is judged dead by a lock every session lost a moment ago");
                while (serverAgeSeconds(c) < 10) {
                    Thread.sleep(100); // the server's age, a state of the server, decides; not this wait
                }
            }
            assertEquals(Set.of(owner), probe.deadAmong(Set.of(owner)), "once it could have re-locked, it is gone");
        }
    }

    @Test
    void a_server_restart_mid_run_is_survived_with_each_outcome_recorded_once() throws Exception {
        restartMidRun(Duration.ZERO);
    }

    @Test
    void a_database_away_for_30_seconds_is_survived_with_each_outcome_recorded_once() throws Exception {
        restartMidRun(Duration.ofSeconds(30));
    }
}
