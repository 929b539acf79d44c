package io.cloaca.engine.durability;

import io.cloaca.engine.Closer;
import io.cloaca.engine.SettableClock;
import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.ExecutionResult;
import io.cloaca.engine.execution.MaintenanceReport;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.execution.RunnerFactory;
import io.cloaca.engine.store.ClaimedTask;
import io.cloaca.engine.store.Claimant;
import io.cloaca.engine.store.Database;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.ExecutionStatus;
import io.cloaca.engine.store.ExecutionStore;
import io.cloaca.engine.store.FinishResult;
import io.cloaca.engine.store.LivenessLock;
import io.cloaca.engine.store.TaskOutcome;
import io.cloaca.engine.store.TaskRecord;
import io.cloaca.engine.store.TaskStatus;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.cloaca.engine.TestSupport.GENEROUS;
import static io.cloaca.engine.TestSupport.registryOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Claims left by a process that died are recovered at once; claims of a live but silent process only
 * once their lease has expired; claims of a live runner that heartbeats never; too many recoveries
 * abandon a task; and rows this runner cannot make sense of are reported without stopping it.
 *
 * <p>Deterministic: the runners schedule no background work, each round of heartbeat, sweep and poll
 * is run by the test ({@link Runner#runMaintenanceOnce()}) and reports what it did, and leases expire
 * because the test moves a {@link SettableClock}, never because time passed. Runs on SQLite (a file)
 * and, with {@code -Dcloaca.test.backend=postgresql}, on a fresh PostgreSQL schema.
 */
class LeaseRecoveryTest {

    private static final Duration LEASE = Duration.ofSeconds(60);
    private static final RunnerConfig CONFIG = RunnerConfig.builder().leaseDuration(LEASE)
            .heartbeatInterval(Duration.ofSeconds(10)).maxRecoveries(2).build();

    private static final Workflow PAIR = Workflow.builder("pair")
            .task("a", ctx -> ctx.set("a", true))
            .task("b", List.of("a"), ctx -> ctx.set("b", true))
            .build();

    @TempDir
    Path dir;
    private final SettableClock clock = new SettableClock();
    private final Closer closer = new Closer();
    private String url;
    private String schema;
    private ExecutionStore store;
    private Database database;

    @BeforeEach
    void openStore() {
        TestDatabases.Shared shared = TestDatabases.shared(dir.resolve("leases.db"));
        url = shared.url();
        schema = shared.schema();
        database = Database.open(DatabaseUrl.parse(url), 2, true);
        database.migrate(schema);
        store = new ExecutionStore(database, schema, clock);
    }

    @AfterEach
    void close() throws Exception {
        closer.close();
        database.close();
    }

    /** A runner of its own process, as far as liveness goes: its own pool and liveness lock. */
    private Runner runner(WorkflowRegistry registry) {
        return closer.add(new RunnerFactory(registry, clock, false)).open(url, CONFIG);
    }

    /** The liveness owner of a process that has died: its lock was taken and released. */
    private String deadOwner() {
        try (LivenessLock lock = LivenessLock.open(database)) {
            return lock.owner();
        }
    }

    /** The liveness owner of a process that is alive (its lock stays held until the test ends). */
    private String liveOwner() {
        Database other = Database.open(DatabaseUrl.parse(url), 1, true);
        LivenessLock lock = LivenessLock.open(other);
        closer.add(other);
        closer.add(lock);
        return lock.owner();
    }

    /** An execution of {@code workflow} whose root task is claimed, with a full lease, by {@code owner}. */
    private String claimedExecution(Workflow workflow, String initialContext, String owner) {
        String id = UUID.randomUUID().toString();
        List<String> roots = store.createExecution(id, workflow.name(), workflow, initialContext, clock.millis());
        Claimant other = new Claimant("other-runner", owner, LEASE.toMillis());
        assertTrue(store.claim(roots.get(0), other, clock.millis()).isPresent());
        return id;
    }

    private TaskRecord task(String executionId, String id) {
        return store.listTasks(executionId).stream().filter(t -> t.taskName().endsWith("::" + id)).findFirst().orElseThrow();
    }

    @Test
    void a_claim_whose_process_is_gone_is_recovered_at_once_while_its_lease_still_runs() {
        String id = claimedExecution(PAIR, "{}", deadOwner());
        Runner runner = runner(registryOf(PAIR));
        MaintenanceReport round = runner.runMaintenanceOnce();
        assertEquals(1, round.examined());
        assertEquals(1, round.recovered(), round::toString);
        assertEquals(ExecutionStatus.Completed, runner.awaitExecution(id, GENEROUS).status());
        assertEquals(1, task(id, "a").recoveryAttempts());
    }

    @Test
    void a_live_process_claim_waits_for_its_lease_and_is_recovered_once_it_expires() {
        String id = claimedExecution(PAIR, "{}", liveOwner());
        Runner runner = runner(registryOf(PAIR));

        clock.advance(LEASE.minusSeconds(1));
        MaintenanceReport before = runner.runMaintenanceOnce();
        assertEquals(1, before.examined(), "the sweep looked at the claim");
        assertEquals(0, before.recovered(), "a live process's claim within its lease is never taken");
        TaskRecord a = task(id, "a");
        assertEquals(TaskStatus.Running, a.status());
        assertEquals("other-runner", a.claimedBy());

        clock.advance(Duration.ofSeconds(2)); // the process is alive but silent: its lease decides
        assertEquals(1, runner.runMaintenanceOnce().recovered());
        assertEquals(ExecutionStatus.Completed, runner.awaitExecution(id, GENEROUS).status());
        assertEquals(1, task(id, "a").recoveryAttempts());
    }

    @Test
    void heartbeats_keep_a_running_task_from_being_taken_however_long_it_runs() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Workflow slow = Workflow.builder("slow").task("long", ctx -> {
            started.countDown();
            release.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS);
            return ctx.set("done", true);
        }).build();
        Runner owner = runner(registryOf(slow));
        Runner other = runner(registryOf(slow));
        Runner.Submission submission = owner.submit("slow", Context.empty());
        assertTrue(started.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS));
        try {
            for (int i = 0; i < 3; i++) { // three leases' worth of time, renewed every 50 s
                clock.advance(Duration.ofSeconds(50));
                assertEquals(1, owner.runMaintenanceOnce().renewed());
                MaintenanceReport sweep = other.runMaintenanceOnce();
                assertEquals(0, sweep.recovered(), "a renewed claim was taken after " + (i + 1) * 50 + " s");
            }
            clock.advance(LEASE.plusSeconds(1)); // no heartbeat this time: the lease runs out
            assertEquals(1, other.runMaintenanceOnce().recovered(), "without heartbeats the lease expires");
        } finally {
            release.countDown();
        }
        // The first attempt's outcome is dropped (its claim was taken); the recovered one completes.
        ExecutionResult result = other.awaitExecution(submission.executionId(), GENEROUS);
        assertEquals(ExecutionStatus.Completed, result.status());
    }

    @Test
    void a_task_recovered_too_often_is_abandoned_as_failed_with_the_reason() throws Exception {
        String id = claimedExecution(PAIR, "{}", deadOwner());
        try (Connection c = database.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE " + (schema == null ? "" : "\"" + schema + "\".") + "task_executions SET recovery_attempts = 2"
                        + " WHERE execution_id = ?")) {
            ps.setString(1, id);
            ps.executeUpdate();
        }
        Runner runner = runner(registryOf(PAIR));
        MaintenanceReport round = runner.runMaintenanceOnce();
        assertEquals(1, round.abandoned(), round::toString);
        ExecutionResult result = runner.awaitExecution(id, GENEROUS);
        assertEquals(ExecutionStatus.Failed, result.status());
        assertEquals("1 task(s) failed, 1 completed, 0 skipped", result.errorMessage());
        TaskRecord a = task(id, "a");
        assertEquals(TaskStatus.Failed, a.status());
        assertTrue(a.lastError().startsWith("ABANDONED: the process of runner other-runner is gone"), a.lastError());
        assertEquals(TaskStatus.Completed, task(id, "b").status(), "dependents of a failed task still run");
    }

    @Test
    void an_execution_of_a_workflow_not_registered_here_is_left_alone() {
        Workflow other = Workflow.builder("elsewhere").task("x", ctx -> ctx).build();
        String foreign = claimedExecution(other, "{}", deadOwner());
        String ours = claimedExecution(PAIR, "{}", deadOwner());
        Runner runner = runner(registryOf(PAIR));
        MaintenanceReport round = runner.runMaintenanceOnce();
        assertEquals(1, round.recovered(), "the sweep ran, and took only the claim of a workflow it knows");
        TaskRecord x = task(foreign, "x");
        assertEquals(TaskStatus.Running, x.status());
        assertEquals(0, x.recoveryAttempts());
        assertEquals(ExecutionStatus.Running, store.findExecution(foreign).orElseThrow().status());
        assertEquals(ExecutionStatus.Completed, runner.awaitExecution(ours, GENEROUS).status());
    }

    @Test
    void an_execution_of_another_workflow_version_is_failed_naming_both_versions_and_nothing_is_left_waiting() {
        Workflow before = Workflow.builder("evolving").task("a", ctx -> ctx).task("b", List.of("a"), ctx -> ctx).build();
        Workflow now = Workflow.builder("evolving").task("a", ctx -> ctx).task("c", List.of("a"), ctx -> ctx).build();
        // Started by a process that had the old definition and died with the first task claimed.
        String id = claimedExecution(before, "{}", deadOwner());
        Runner runner = runner(registryOf(now, PAIR));
        assertEquals(1, runner.runMaintenanceOnce().recovered());
        ExecutionResult result = runner.awaitExecution(id, GENEROUS);
        assertEquals(ExecutionStatus.Failed, result.status());
        String error = result.errorMessage();
        assertTrue(error.contains("started with version " + before.version()) && error.contains(
                "this process has version " + now.version()), error);
        for (TaskRecord task : store.listTasks(id)) {
            assertEquals(TaskStatus.Failed, task.status(), task.taskName());
            assertEquals(error, task.lastError());
        }
        assertEquals(ExecutionStatus.Completed, runner.execute("evolving", Context.empty()).status(),
                "executions of the current version still run");
    }

    @Test
    void an_execution_failed_for_its_version_leaves_no_claim_for_a_sweep_to_make_ready_again() {
        Workflow old = Workflow.builder("evolving").task("a", ctx -> ctx).task("b", ctx -> ctx).task("c", ctx -> ctx)
                .build();
        String id = UUID.randomUUID().toString();
        List<String> roots = store.createExecution(id, "evolving", old, "{}", clock.millis());
        Claimant dead = new Claimant("dead-runner", deadOwner(), LEASE.toMillis());
        store.claim(roots.get(0), dead, clock.millis()).orElseThrow();
        ClaimedTask late = store.claim(roots.get(1), dead, clock.millis()).orElseThrow();
        String self = liveOwner();
        ClaimedTask ours = store.claim(roots.get(2), new Claimant("this-runner", self, LEASE.toMillis()),
                clock.millis()).orElseThrow();
        // A sweep reads both dead claims, recovers one; this runner fails the execution (another version)
        // before the sweep gets to the other.
        List<ExecutionStore.OrphanedTask> orphans = store.findSuspectClaims(List.of("evolving"), self);
        assertEquals(2, orphans.size());
        assertTrue(store.recover(orphans.get(0), true, clock.millis()));
        assertTrue(store.failExecution(ours, "another version", clock.millis()).recorded());
        assertFalse(store.recover(orphans.get(1), true, clock.millis()), "a task of an ended execution was made Ready");
        for (TaskRecord task : store.listTasks(id)) {
            assertEquals(TaskStatus.Failed, task.status(), task.taskName());
            assertEquals("another version", task.lastError());
        }
        assertEquals(ExecutionStatus.Failed, store.findExecution(id).orElseThrow().status());
        // A holder that was only slow, coming back with its outcome, records nothing.
        assertFalse(store.finish(late, new TaskOutcome.Succeeded("{}"), old, null, clock.millis()).recorded());
        assertEquals(TaskStatus.Failed, store.listTasks(id).stream().filter(t -> t.id().equals(late.taskId()))
                .findFirst().orElseThrow().status());
    }

    @Test
    void a_stored_context_that_is_not_an_object_fails_its_task_clearly_and_the_runner_goes_on() {
        String id = claimedExecution(PAIR, "[1, 2, 3]", deadOwner());
        Runner runner = runner(registryOf(PAIR));
        assertEquals(1, runner.runMaintenanceOnce().recovered());
        ExecutionResult result = runner.awaitExecution(id, GENEROUS);
        assertEquals(ExecutionStatus.Failed, result.status());
        assertTrue(task(id, "a").lastError().contains("Context JSON must be an object"), task(id, "a").lastError());
        assertNull(task(id, "a").outputContext());
        assertEquals(ExecutionStatus.Completed, runner.execute("pair", Context.empty()).status());
    }

    @Test
    void an_outcome_under_a_token_that_no_longer_holds_is_dropped() {
        String id = UUID.randomUUID().toString();
        List<String> roots = store.createExecution(id, "pair", PAIR, "{}", clock.millis());
        Claimant gone = new Claimant("runner-1", deadOwner(), LEASE.toMillis());
        ClaimedTask first = store.claim(roots.get(0), gone, clock.millis()).orElseThrow();
        Runner runner = runner(registryOf(PAIR));
        assertEquals(1, runner.runMaintenanceOnce().recovered());
        assertEquals(ExecutionStatus.Completed, runner.awaitExecution(id, GENEROUS).status());
        // The first claimant comes back with its result: its token was replaced, so nothing is written.
        FinishResult late = store.finish(first, new TaskOutcome.Succeeded("{\"late\": true}"), PAIR, null, clock.millis());
        assertEquals(false, late.recorded());
        assertEquals(1, task(id, "a").attempt());
        assertTrue(!task(id, "a").outputContext().contains("late"));
    }
}
