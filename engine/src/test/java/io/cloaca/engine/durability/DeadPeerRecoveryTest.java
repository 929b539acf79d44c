package io.cloaca.engine.durability;

import io.cloaca.engine.SettableClock;
import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.execution.ExecutionResult;
import io.cloaca.engine.execution.MaintenanceReport;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.execution.RunnerFactory;
import io.cloaca.engine.store.Claimant;
import io.cloaca.engine.store.ExecutionRecord;
import io.cloaca.engine.store.ExecutionStore;
import io.cloaca.engine.store.ExecutionStatus;
import io.cloaca.engine.store.TaskRecord;
import io.cloaca.engine.store.TaskStatus;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.cloaca.engine.TestSupport.GENEROUS;
import static io.cloaca.engine.TestSupport.registryOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A process that is already running takes over the claims of a peer process that dies, at its next
 * owner watch (every two seconds), not at its next lease sweep (every 30 s) nor when the lease expires.
 * The peer is a real second process ({@link HoldingRunnerProcess}) killed with SIGKILL, so its liveness
 * lock is released by the database server or the OS, as in production. On SQLite (a file) and, with
 * {@code -Dcloaca.test.backend=postgresql}, on a fresh PostgreSQL schema.
 */
class DeadPeerRecoveryTest {

    @TempDir
    Path dir;
    private String url;
    private Process peer;
    private RunnerFactory factory;
    private final SettableClock clock = new SettableClock();
    private final AtomicInteger heldRuns = new AtomicInteger();
    private final AtomicInteger afterRuns = new AtomicInteger();

    @BeforeEach
    void database() {
        url = TestDatabases.sharedDatabaseUrl(dir, "peers.db");
    }

    @AfterEach
    void close() {
        if (peer != null) {
            peer.destroyForcibly();
        }
        if (factory != null) {
            factory.close();
        }
    }

    private WorkflowRegistry registry() {
        return registryOf(HoldingRunnerProcess.workflow(ctx -> {
            heldRuns.incrementAndGet();
            return ctx.set("held", true);
        }, ctx -> {
            afterRuns.incrementAndGet();
            return ctx.set("after", true);
        }));
    }

    private Runner runner(Clock clock, boolean background, RunnerConfig config) {
        factory = new RunnerFactory(registry(), clock, background);
        return factory.open(url, config);
    }

    private static String onlyExecution(Runner runner) {
        List<ExecutionRecord> executions = runner.history().recentExecutions(HoldingRunnerProcess.WORKFLOW, 10);
        assertEquals(1, executions.size());
        return executions.get(0).id();
    }

    private void killPeer() throws InterruptedException {
        peer.destroyForcibly();
        assertTrue(peer.waitFor(GENEROUS.toMillis(), TimeUnit.MILLISECONDS), "the peer process did not die");
    }

    private void assertTakenOverOnce(Runner runner, String id) {
        ExecutionResult result = runner.awaitExecution(id, GENEROUS);
        assertEquals(ExecutionStatus.Completed, result.status());
        assertEquals(1, heldRuns.get(), "the dead peer's task ran here once");
        assertEquals(1, afterRuns.get());
        for (TaskRecord task : runner.history().tasks(id)) {
            assertEquals(TaskStatus.Completed, task.status(), task.taskName());
        }
        TaskRecord held = runner.history().tasks(id).stream().filter(t -> t.taskName().endsWith("::held"))
                .findFirst().orElseThrow();
        assertEquals(1, held.recoveryAttempts(), "recovered once, from the dead peer");
    }

    @Test
    void the_owner_watch_leaves_a_live_peer_alone_and_takes_over_a_dead_peers_claim_within_its_lease() throws Exception {
        peer = SeveralRunnersTest.startProcess(HoldingRunnerProcess.class, url, "peer");
        // The clock moves only by the test, and by far less than the lease: only the peer's death can free
        // its claim.
        Runner runner = runner(clock, false, RunnerConfig.DEFAULT);
        String id = onlyExecution(runner);
        ExecutionStore store = new ExecutionStore(runner.database(), runner.schema(), clock);
        assertEquals(2, store.claimOwnersOtherThan("").size(), "both processes are recorded as taking claims");

        MaintenanceReport alive = runner.watchClaimOwnersOnce();
        assertEquals(0, alive.examined(), "a live peer's claim is not even swept: " + alive);
        assertEquals(0, alive.recovered());

        killPeer();
        // The server (PostgreSQL) ends the dead session's lock as soon as it reads the closed socket, and an
        // owner must stay without its lock for the lock's relock window (0 on SQLite, 4 s on PostgreSQL,
        // where a live process may be re-taking a lock it lost with its connection) before the watch takes
        // its claims. Each round is one watch and one second on the test's clock: far less than the lease.
        MaintenanceReport round = runner.watchClaimOwnersOnce();
        for (int second = 0; round.recovered() == 0 && second < 30; second++) {
            clock.advance(Duration.ofSeconds(1));
            Thread.sleep(20);
            round = runner.watchClaimOwnersOnce();
        }
        assertEquals(1, round.recovered(), "the watch swept the dead peer's claim: " + round);
        assertTakenOverOnce(runner, id);
        assertEquals(1, store.claimOwnersOtherThan("").size(), "the dead peer is forgotten, this process stays");
    }



    @Test
    void a_gone_owner_with_claims_no_runner_here_can_take_stays_recorded_and_the_watch_sweeps_for_it_once() {
        Runner runner = runner(clock, false, RunnerConfig.DEFAULT);
        ExecutionStore store = new ExecutionStore(runner.database(), runner.schema(), clock);
        var known = runner.registry().get(HoldingRunnerProcess.WORKFLOW);
        var elsewhere = io.cloaca.engine.workflow.Workflow.builder("elsewhere").task("only", ctx -> ctx).build();
        // An owner no process holds: a lock key nobody took (PostgreSQL), a lock file that does not exist (SQLite).
        String owner = TestDatabases.postgres() ? Long.toString(ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE))
                : UUID.randomUUID().toString();
        Claimant gone = new Claimant("gone-runner", owner, Duration.ofSeconds(60).toMillis());
        store.registerClaimOwner(owner, clock.millis());
        claimNew(store, "elsewhere", elsewhere, gone);
        claimNew(store, HoldingRunnerProcess.WORKFLOW, known, gone);

        // Seen gone (for the relock window on PostgreSQL, on the test's clock), then swept for.
        MaintenanceReport round = runner.watchClaimOwnersOnce();
        for (int second = 0; round.recovered() == 0 && second < 30; second++) {
            clock.advance(Duration.ofSeconds(1));
            round = runner.watchClaimOwnersOnce();
        }
        assertEquals(1, round.recovered(), "the claim of a workflow this runner has is taken over: " + round);
        assertTrue(store.claimOwnersOtherThan("").contains(owner), "its other claim is left: it stays recorded");

        // A claim in its name found later is not swept for by the watch again, only by the periodic sweep.
        claimNew(store, HoldingRunnerProcess.WORKFLOW, known, gone);
        clock.advance(Duration.ofSeconds(5));
        assertEquals(0, runner.watchClaimOwnersOnce().examined(), "the watch swept for this owner once");
        assertEquals(1, runner.runMaintenanceOnce().recovered(), "the sweep still finds its claims");
    }

    private void claimNew(ExecutionStore store, String name, io.cloaca.engine.workflow.Workflow workflow, Claimant as) {
        String root = store.createExecution(UUID.randomUUID().toString(), name, workflow, "{}", clock.millis()).get(0);
        assertTrue(store.claim(root, as, clock.millis()).isPresent());
    }

    @Test
    void a_peer_that_lost_only_its_postgresql_liveness_connection_keeps_its_claims_while_it_locks_again()
            throws Exception {
        Assumptions.assumeTrue(TestDatabases.postgres(), "OS file locks (SQLite) are never lost by a live process");
        Runner runner = runner(clock, false, RunnerConfig.DEFAULT);
        long key = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        String id = UUID.randomUUID().toString();
        var workflow = runner.registry().get(HoldingRunnerProcess.WORKFLOW);
        ExecutionStore store = new ExecutionStore(runner.database(), runner.schema(), clock);
        String held = store.createExecution(id, HoldingRunnerProcess.WORKFLOW, workflow, "{}", clock.millis()).get(0);
        Claimant peer = new Claimant("peer-runner", Long.toString(key), Duration.ofSeconds(60).toMillis());
        store.registerClaimOwner(peer.owner(), clock.millis()); // as the peer's runner does when it starts
        assertTrue(store.claim(held, peer, clock.millis()).isPresent());

        // Its liveness connection is cut: the lock is free for a moment.
        TestDatabases.releaseAdvisoryLock(TestDatabases.holdAdvisoryLock(key, true), key);
        assertEquals(0, runner.watchClaimOwnersOnce().recovered(), "a lock free for a moment proves nothing yet");
        Connection relocked = TestDatabases.holdAdvisoryLock(key, true); // the peer takes its lock again
        clock.advance(Duration.ofSeconds(10));
        assertEquals(0, runner.watchClaimOwnersOnce().recovered(), "the peer is back: its claim stays");
        TestDatabases.releaseAdvisoryLock(relocked, key);
        // Now it is gone for good: seen free, and still free a relock window later.
        assertEquals(0, runner.watchClaimOwnersOnce().recovered());
        clock.advance(Duration.ofSeconds(4));
        assertEquals(1, runner.watchClaimOwnersOnce().recovered());
        assertTakenOverOnce(runner, id);
    }

    @Test
    void a_running_process_finishes_a_killed_peers_execution_long_before_its_next_sweep() throws Exception {
        // Background loops on, but sweeps an hour apart after the first (at start-up, before the peer
        // exists) and an hour-long lease: only the owner watch can hand the task over.
        RunnerConfig config = RunnerConfig.builder().sweepInterval(Duration.ofHours(1)).leaseDuration(Duration.ofHours(1))
                .build();
        Runner runner = runner(Clock.systemUTC(), true, config);
        peer = SeveralRunnersTest.startProcess(HoldingRunnerProcess.class, url, "peer");
        String id = onlyExecution(runner);
        long killed = System.nanoTime();
        killPeer();
        assertTakenOverOnce(runner, id);
        System.out.printf("dead peer's execution finished by the running process %d ms after the kill%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed));
    }
}
