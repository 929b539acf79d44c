package io.cloaca.engine.durability;

import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.ExecutionResult;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.store.Database;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.ExecutionStatus;
import io.cloaca.engine.store.ExecutionStore;
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
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Claims left by a runner that died: recovered once their lease has expired, never before, abandoned
 * after too many recoveries; and rows this runner cannot make sense of are reported without stopping it.
 * A "dead runner" is simulated by claiming a task under another runner id with a lease in the past.
 */
class LeaseRecoveryTest {

    private static final RunnerConfig FAST = RunnerConfig.builder().leaseDuration(Duration.ofSeconds(5))
            .heartbeatInterval(Duration.ofSeconds(1)).sweepInterval(Duration.ofMillis(50))
            .pollInterval(Duration.ofMillis(20)).maxRecoveries(2).build();

    @TempDir
    Path dir;
    private String url;
    private Database database;
    private ExecutionStore store;

    private static final Workflow PAIR = Workflow.builder("pair")
            .task("a", ctx -> ctx.set("a", true))
            .task("b", List.of("a"), ctx -> ctx.set("b", true))
            .build();

    @BeforeEach
    void openStore() {
        url = "sqlite://" + dir.resolve("leases.db");
        database = Database.open(DatabaseUrl.parse(url), 2, true);
        database.migrate(null);
        store = new ExecutionStore(database, null);
    }

    @AfterEach
    void closeStore() {
        database.close();
    }

    /** An execution of {@code workflow} whose root task is claimed by a runner that is gone. */
    private String orphanedExecution(Workflow workflow, String initialContext, long leaseUntil) {
        String id = UUID.randomUUID().toString();
        long now = System.currentTimeMillis();
        List<String> roots = store.createExecution(id, workflow.name(), workflow, initialContext, now);
        assertTrue(store.claim(roots.get(0), "dead-runner", leaseUntil, now).isPresent());
        return id;
    }

    private static WorkflowRegistry registryOf(Workflow... workflows) {
        WorkflowRegistry registry = new WorkflowRegistry();
        for (Workflow w : workflows) {
            registry.register(w);
        }
        return registry;
    }

    private TaskRecord task(String executionId, String id) {
        return store.listTasks(executionId).stream().filter(t -> t.taskName().endsWith("::" + id)).findFirst().orElseThrow();
    }

    @Test
    void an_expired_claim_is_recovered_and_the_execution_finishes() {
        String id = orphanedExecution(PAIR, "{}", System.currentTimeMillis() - 1);
        try (Runner runner = Runner.open(url, FAST, registryOf(PAIR))) {
            ExecutionResult result = runner.awaitExecution(id, Duration.ofSeconds(30));
            assertEquals(ExecutionStatus.Completed, result.status());
        }
        assertEquals(1, task(id, "a").recoveryAttempts());
    }

    @Test
    void a_live_claim_is_never_taken_by_a_starting_runner() throws Exception {
        String id = orphanedExecution(PAIR, "{}", System.currentTimeMillis() + 3_600_000);
        try (Runner runner = Runner.open(url, FAST, registryOf(PAIR))) {
            Thread.sleep(500); // ten sweeps
            TaskRecord a = task(id, "a");
            assertEquals(TaskStatus.Running, a.status());
            assertEquals("dead-runner", a.claimedBy());
            assertEquals(0, a.recoveryAttempts());
        }
    }

    @Test
    void a_task_recovered_too_often_is_abandoned_as_failed_with_the_reason() throws Exception {
        String id = orphanedExecution(PAIR, "{}", System.currentTimeMillis() - 1);
        try (Connection c = database.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute("UPDATE task_executions SET recovery_attempts = 2 WHERE execution_id = '" + id + "'");
        }
        try (Runner runner = Runner.open(url, FAST, registryOf(PAIR))) {
            ExecutionResult result = runner.awaitExecution(id, Duration.ofSeconds(30));
            assertEquals(ExecutionStatus.Failed, result.status());
            assertEquals("1 task(s) failed, 1 completed, 0 skipped", result.errorMessage());
        }
        TaskRecord a = task(id, "a");
        assertEquals(TaskStatus.Failed, a.status());
        assertTrue(a.lastError().startsWith("ABANDONED: the lease of runner dead-runner expired"), a.lastError());
        assertEquals(TaskStatus.Completed, task(id, "b").status(), "dependents of a failed task still run");
    }

    @Test
    void an_execution_of_a_workflow_not_registered_here_is_left_alone() throws Exception {
        Workflow other = Workflow.builder("elsewhere").task("x", ctx -> ctx).build();
        String id = orphanedExecution(other, "{}", System.currentTimeMillis() - 1);
        try (Runner runner = Runner.open(url, FAST, registryOf(PAIR))) {
            Thread.sleep(500);
            TaskRecord x = task(id, "x");
            assertEquals(TaskStatus.Running, x.status());
            assertEquals(0, x.recoveryAttempts());
            assertEquals(ExecutionStatus.Running, store.findExecution(id).orElseThrow().status());
        }
    }

    @Test
    void a_task_the_registered_workflow_no_longer_has_fails_clearly_and_the_runner_goes_on() {
        Workflow before = Workflow.builder("renamed").task("old_task", ctx -> ctx).build();
        Workflow now = Workflow.builder("renamed").task("new_task", ctx -> ctx).build();
        String id = orphanedExecution(before, "{}", System.currentTimeMillis() - 1);
        try (Runner runner = Runner.open(url, FAST, registryOf(now, PAIR))) {
            ExecutionResult result = runner.awaitExecution(id, Duration.ofSeconds(30));
            assertEquals(ExecutionStatus.Failed, result.status());
            String error = task(id, "old_task").lastError();
            assertTrue(error.contains("is not part of workflow 'renamed'"), error);
            assertEquals(ExecutionStatus.Completed, runner.execute("pair", Context.empty()).status());
        }
    }

    @Test
    void a_stored_context_that_is_not_an_object_fails_its_task_clearly_and_the_runner_goes_on() {
        String id = orphanedExecution(PAIR, "[1, 2, 3]", System.currentTimeMillis() - 1);
        try (Runner runner = Runner.open(url, RunnerConfig.builder().leaseDuration(Duration.ofSeconds(5))
                .heartbeatInterval(Duration.ofSeconds(1)).sweepInterval(Duration.ofMillis(50))
                .pollInterval(Duration.ofMillis(20)).build(), registryOf(PAIR))) {
            ExecutionResult result = runner.awaitExecution(id, Duration.ofSeconds(60));
            assertEquals(ExecutionStatus.Failed, result.status());
            assertTrue(task(id, "a").lastError().contains("Context JSON must be an object"), task(id, "a").lastError());
            assertNull(task(id, "a").outputContext());
            assertEquals(ExecutionStatus.Completed, runner.execute("pair", Context.empty()).status());
        }
    }
}
