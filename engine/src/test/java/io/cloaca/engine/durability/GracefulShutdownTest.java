package io.cloaca.engine.durability;

import io.cloaca.engine.SettableClock;
import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.ExecutionResult;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.execution.RunnerFactory;
import io.cloaca.engine.store.Database;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.ExecutionStatus;
import io.cloaca.engine.store.ExecutionStore;
import io.cloaca.engine.store.TaskRecord;
import io.cloaca.engine.store.TaskStatus;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * shutdown() stops taking work, lets running tasks finish (renewing their leases meanwhile) and gives
 * back what it had not started, so the next runner resumes at once: no lease has to expire (the lease
 * here is an hour). On SQLite and, with {@code -Dcloaca.test.backend=postgresql}, on PostgreSQL.
 */
class GracefulShutdownTest {

    @TempDir
    Path dir;

    private static final RunnerConfig LONG_LEASE = RunnerConfig.builder().maxConcurrentTasks(2)
            .leaseDuration(Duration.ofHours(1)).shutdownGrace(Duration.ofSeconds(30)).build();

    private static void awaitShutdownBegun(Runner runner) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!runner.isShutDown() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(runner.isShutDown());
    }

    /** A file or schema of its own for each test. */
    private String url(String name) {
        return TestDatabases.postgres() ? TestDatabases.PG_URL + "?schema=" + TestDatabases.newSchemaName()
                : "sqlite://" + dir.resolve(name + ".db");
    }

    /** Reads task rows through a connection of its own (the stopped runner's pool is closed). */
    private static List<TaskRecord> tasksOf(String url, String executionId) {
        DatabaseUrl parsed = DatabaseUrl.parse(url);
        try (Database db = Database.open(parsed, 1, true)) {
            return new ExecutionStore(db, parsed instanceof DatabaseUrl.Postgres pg ? pg.schema() : null)
                    .listTasks(executionId);
        }
    }

    @Test
    void running_tasks_finish_and_unstarted_ones_are_left_for_the_next_runner() throws Exception {
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        CountDownLatch twoRunning = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        boolean[] holding = {true};
        Workflow.Builder b = Workflow.builder("fan");
        for (int i = 1; i <= 8; i++) {
            String id = "t" + i;
            b.task(id, ctx -> {
                runs.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                if (holding[0]) {
                    twoRunning.countDown();
                    release.await(60, TimeUnit.SECONDS);
                }
                return ctx.set(id, true);
            });
        }
        b.task("join", List.of("t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8"), ctx -> ctx.set("joined", true));
        WorkflowRegistry registry = new WorkflowRegistry();
        registry.register(b.build());
        String url = url("graceful");

        Runner first = Runner.open(url, LONG_LEASE, registry);
        String executionId = first.submit("fan", Context.empty()).executionId();
        assertTrue(twoRunning.await(60, TimeUnit.SECONDS));
        Thread stopper = new Thread(first::shutdown);
        stopper.start();
        awaitShutdownBegun(first); // while both tasks are still inside their bodies
        holding[0] = false;
        release.countDown();
        stopper.join(60_000);

        Map<TaskStatus, List<String>> byStatus = tasksOf(url, executionId).stream().collect(
                Collectors.groupingBy(TaskRecord::status, Collectors.mapping(TaskRecord::taskName, Collectors.toList())));
        assertEquals(2, byStatus.getOrDefault(TaskStatus.Completed, List.of()).size(), byStatus::toString);
        assertEquals(List.of(), byStatus.getOrDefault(TaskStatus.Running, List.of()), "no claim may be left behind");

        try (Runner second = Runner.open(url, LONG_LEASE, registry)) {
            ExecutionResult result = second.awaitExecution(executionId, Duration.ofSeconds(60));
            assertEquals(ExecutionStatus.Completed, result.status());
            assertTrue(result.finalContext().get("joined").asBoolean());
        }
        runs.forEach((task, n) -> assertEquals(1, n.get(), task + " ran " + n + " times"));
        assertEquals(8, runs.size());
    }

    @Test
    void a_dependent_claimed_for_the_finishing_worker_is_given_back_on_shutdown() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        WorkflowRegistry registry = new WorkflowRegistry();
        registry.register(Workflow.builder("chain")
                .task("a", ctx -> {
                    started.countDown();
                    release.await(60, TimeUnit.SECONDS);
                    return ctx.set("a", true);
                })
                .task("b", List.of("a"), ctx -> ctx.set("b", true))
                .build());
        String url = url("chain");
        Runner first = Runner.open(url, LONG_LEASE, registry);
        String executionId = first.submit("chain", Context.empty()).executionId();
        assertTrue(started.await(60, TimeUnit.SECONDS));
        Thread stopper = new Thread(first::shutdown);
        stopper.start();
        awaitShutdownBegun(first);
        release.countDown();
        stopper.join(60_000);
        Map<String, TaskStatus> status = tasksOf(url, executionId).stream()
                .collect(Collectors.toMap(t -> t.taskName().substring(t.taskName().lastIndexOf(':') + 1), TaskRecord::status));
        assertEquals(TaskStatus.Completed, status.get("a"));
        assertEquals(TaskStatus.Ready, status.get("b"), "b was handed to the stopping worker and must be given back");
        try (Runner second = Runner.open(url, LONG_LEASE, registry)) {
            assertEquals(ExecutionStatus.Completed, second.awaitExecution(executionId, Duration.ofSeconds(60)).status());
        }
    }

    @Test
    void heartbeats_go_on_while_shutdown_drains_so_no_other_runner_takes_a_finishing_task() throws Exception {
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        WorkflowRegistry registry = new WorkflowRegistry();
        registry.register(Workflow.builder("draining").task("slow", ctx -> {
            runs.computeIfAbsent("slow", k -> new AtomicInteger()).incrementAndGet();
            started.countDown();
            release.await(60, TimeUnit.SECONDS);
            return ctx.set("slow", true);
        }).build());
        String url = url("draining");
        SettableClock clock = new SettableClock();
        RunnerConfig config = RunnerConfig.builder().leaseDuration(Duration.ofSeconds(60))
                .shutdownGrace(Duration.ofSeconds(50)).build();
        try (RunnerFactory stopping = new RunnerFactory(registry, clock, false);
             RunnerFactory other = new RunnerFactory(registry, clock, false)) {
            Runner first = stopping.open(url, config);
            Runner second = other.open(url, config);
            String executionId = first.submit("draining", Context.empty()).executionId();
            assertTrue(started.await(60, TimeUnit.SECONDS));
            Thread stopper = new Thread(first::shutdown);
            stopper.start();
            awaitShutdownBegun(first);
            for (int i = 0; i < 3; i++) { // three minutes of drain, well past the lease
                clock.advance(Duration.ofSeconds(50));
                assertEquals(1, first.runMaintenanceOnce().renewed(), "the draining runner renews its claim");
                assertEquals(0, second.runMaintenanceOnce().recovered(), "a renewed claim is not taken");
            }
            release.countDown();
            stopper.join(60_000);
            assertEquals(ExecutionStatus.Completed, second.awaitExecution(executionId, Duration.ofSeconds(60)).status());
        }
        assertEquals(1, runs.get("slow").get(), "the task ran once");
    }
}
