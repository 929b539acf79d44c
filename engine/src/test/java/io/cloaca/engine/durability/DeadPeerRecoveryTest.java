package io.cloaca.engine.durability;

import io.cloaca.engine.SettableClock;
import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.execution.ExecutionResult;
import io.cloaca.engine.execution.MaintenanceReport;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.execution.RunnerFactory;
import io.cloaca.engine.store.ExecutionRecord;
import io.cloaca.engine.store.ExecutionStatus;
import io.cloaca.engine.store.TaskRecord;
import io.cloaca.engine.store.TaskStatus;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
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
    private final AtomicInteger heldRuns = new AtomicInteger();
    private final AtomicInteger afterRuns = new AtomicInteger();

    @BeforeEach
    void database() {
        url = TestDatabases.shared(dir.resolve("peers.db")).url();
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
        List<ExecutionRecord> executions = runner.store().listExecutions(HoldingRunnerProcess.WORKFLOW, 10);
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
        for (TaskRecord task : runner.store().listTasks(id)) {
            assertEquals(TaskStatus.Completed, task.status(), task.taskName());
        }
        TaskRecord held = runner.store().listTasks(id).stream().filter(t -> t.taskName().endsWith("::held"))
                .findFirst().orElseThrow();
        assertEquals(1, held.recoveryAttempts(), "recovered once, from the dead peer");
    }

    @Test
    void the_owner_watch_leaves_a_live_peer_alone_and_takes_over_a_dead_peers_claim_within_its_lease() throws Exception {
        peer = SeveralRunnersTest.startProcess(HoldingRunnerProcess.class, url, "peer");
        // The clock stands still: no lease can expire, so only the peer's death can free its claim.
        Runner runner = runner(new SettableClock(), false, RunnerConfig.DEFAULT);
        String id = onlyExecution(runner);

        MaintenanceReport alive = runner.watchClaimOwnersOnce();
        assertEquals(0, alive.examined(), "a live peer's claim is not even swept: " + alive);
        assertEquals(0, alive.recovered());

        killPeer();
        // The server (PostgreSQL) ends the dead session's lock as soon as it reads the closed socket; each
        // round is one watch, so the loop waits for that state, not for time to pass.
        MaintenanceReport round = runner.watchClaimOwnersOnce();
        long deadline = System.nanoTime() + GENEROUS.toNanos();
        while (round.recovered() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
            round = runner.watchClaimOwnersOnce();
        }
        assertEquals(1, round.recovered(), "the watch swept the dead peer's claim: " + round);
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
