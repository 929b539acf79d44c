package io.cloaca.engine.execution;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.SettableClock;
import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.retry.RetryPolicy;
import io.cloaca.engine.store.ExecutionStatus;
import io.cloaca.engine.store.TaskStatus;
import io.cloaca.engine.workflow.TaskBody;
import io.cloaca.engine.workflow.TaskFailedException;
import io.cloaca.engine.workflow.TaskHandle;
import io.cloaca.engine.workflow.Workflow;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static io.cloaca.engine.TestSupport.GENEROUS;
import static io.cloaca.engine.TestSupport.assertCloaca;
import static io.cloaca.engine.TestSupport.concurrency;
import static io.cloaca.engine.TestSupport.memoryRunner;
import static io.cloaca.engine.TestSupport.ns;
import static io.cloaca.engine.TestSupport.output;
import static io.cloaca.engine.TestSupport.registryOf;
import static io.cloaca.engine.TestSupport.taskRows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A task's {@link TaskHandle}: deferring lends the task's concurrency slot to other tasks and takes
 * one back, the claim stays the task's while it waits, and a shutdown during the wait gives the claim
 * back for a later runner. Waits are for states (latches, conditions), never for a span of time.
 */
class TaskHandleTest {

    private static final Duration POLL = Duration.ofMillis(5);
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void close() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closing(T resource) {
        toClose.add(resource);
        return resource;
    }

    private static boolean await(CountDownLatch latch) throws InterruptedException {
        return latch.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Test
    void with_one_slot_a_deferred_task_lets_another_task_run_the_one_that_makes_its_condition_true() throws Exception {
        AtomicBoolean released = new AtomicBoolean();
        CountDownLatch waiting = new CountDownLatch(1);
        List<Boolean> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        Workflow waiter = Workflow.builder("waiter").task("wait", TaskBody.withHandle((ctx, handle) -> {
            held.add(handle.isSlotHeld());
            handle.deferUntil(() -> {
                held.add(handle.isSlotHeld());
                waiting.countDown();
                return released.get();
            }, POLL);
            held.add(handle.isSlotHeld());
            return ctx.set("waited", true);
        })).build();
        Workflow releaser = Workflow.builder("releaser").task("release", ctx -> {
            released.set(true);
            return ctx;
        }).build();
        Runner runner = closing(memoryRunner(concurrency(1), waiter, releaser));

        Runner.Submission deferred = runner.submit("waiter", Context.empty());
        assertTrue(await(waiting), "the task deferred");
        // With its only slot lent out, the runner can run this one: it is what ends the wait.
        assertEquals(ExecutionStatus.Completed, runner.execute("releaser", Context.empty()).status());
        assertEquals(ExecutionStatus.Completed, deferred.result().get(GENEROUS.toMillis(), TimeUnit.MILLISECONDS).status());
        assertEquals(true, held.get(0), "held while the body runs");
        assertEquals(false, held.get(1), "lent while deferred");
        assertEquals(true, held.get(held.size() - 1), "held again after deferUntil returns");
    }

    @Test
    void the_handle_is_consumed_when_its_attempt_ends() throws Exception {
        AtomicReference<TaskHandle> kept = new AtomicReference<>();
        Workflow wf = Workflow.builder("keeps").task("keep", TaskBody.withHandle((ctx, handle) -> {
            kept.set(handle);
            return ctx;
        })).build();
        Runner runner = closing(memoryRunner(wf));
        assertEquals(ExecutionStatus.Completed, runner.execute("keeps", Context.empty()).status());
        TaskHandle handle = kept.get();
        assertEquals(TaskHandle.CONSUMED, assertCloaca(CloacaException.Kind.ILLEGAL_STATE, handle::isSlotHeld).getMessage());
        assertEquals(TaskHandle.CONSUMED, assertCloaca(CloacaException.Kind.ILLEGAL_STATE,
                () -> handle.deferUntil(() -> true)).getMessage());
    }

    @Test
    void a_condition_that_throws_fails_its_task_naming_it_and_the_exception_and_nothing_else() throws Exception {
        Workflow wf = Workflow.builder("broken")
                .task("bad", List.of(), RetryPolicy.NONE, TaskBody.withHandle((ctx, handle) -> {
                    handle.deferUntil(() -> {
                        throw new IllegalStateException("sensor offline");
                    }, POLL);
                    return ctx;
                }))
                .task("fine", ctx -> ctx.set("fine", true))
                .build();
        Runner runner = closing(memoryRunner(concurrency(1), wf));
        var result = runner.execute("broken", Context.empty());
        assertEquals(ExecutionStatus.Failed, result.status());
        var rows = taskRows(runner, result.executionId());
        assertEquals(TaskStatus.Failed, rows.get("bad").status());
        assertEquals("The deferUntil condition of task '" + ns("broken", "bad") + "' raised IllegalStateException: "
                + "sensor offline", rows.get("bad").lastError());
        assertEquals(TaskStatus.Completed, rows.get("fine").status());
        assertEquals(1, runner.config().maxConcurrentTasks());
        // The slot of the failed task came back: the runner still runs work.
        assertEquals(ExecutionStatus.Failed, runner.execute("broken", Context.empty()).status());
    }

    @Test
    void bad_arguments_are_refused_naming_what_is_accepted() throws Exception {
        TaskHandle handle = new io.cloaca.engine.workflow.AttemptHandle("t", io.cloaca.engine.workflow.AttemptHandle.Slot.NONE);
        assertTrue(assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> handle.deferUntil(() -> true, Duration.ZERO))
                .getMessage().contains("positive duration"));
        assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> handle.deferUntil(() -> true, Duration.ofMillis(-1)));
        assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> handle.deferUntil(null, POLL));
        handle.deferUntil(() -> true, Duration.ofSeconds(Long.MAX_VALUE)); // asked at once; no overflow
    }

    @Test
    void a_body_called_outside_a_runner_gets_a_handle_that_waits_on_its_thread() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        TaskBody body = TaskBody.withHandle((ctx, handle) -> {
            assertFalse(handle.isSlotHeld(), "no pool, no slot");
            handle.deferUntil(() -> asked.incrementAndGet() == 3, POLL);
            return ctx.set("asked", asked.get());
        });
        assertEquals(3, body.run(Context.empty()).get("asked").asInt());
    }

    @Test
    void while_deferred_heartbeats_keep_the_claim_and_a_shutdown_gives_it_back_for_another_runner() throws Exception {
        SettableClock clock = new SettableClock();
        AtomicBoolean ready = new AtomicBoolean();
        AtomicInteger bodies = new AtomicInteger();
        CountDownLatch deferred = new CountDownLatch(1);
        Workflow wf = Workflow.builder("patient").task("wait", TaskBody.withHandle((ctx, handle) -> {
            int run = bodies.incrementAndGet();
            handle.deferUntil(() -> {
                deferred.countDown();
                return ready.get();
            }, POLL);
            return ctx.set("run", run);
        })).build();
        String url = TestDatabases.postgres() ? TestDatabases.privateDatabaseUrl() : "sqlite://" + dir.resolve("h.db");
        RunnerConfig config = RunnerConfig.builder().leaseDuration(Duration.ofSeconds(60))
                .heartbeatInterval(Duration.ofSeconds(10)).maxConcurrentTasks(1).build();
        RunnerFactory first = closing(new RunnerFactory(registryOf(wf), clock, false));
        RunnerFactory second = closing(new RunnerFactory(registryOf(wf), clock, false));
        Runner owner = first.open(url, config);
        Runner other = second.open(url, config);

        String id = owner.submit("patient", Context.empty()).executionId();
        assertTrue(await(deferred));
        for (int i = 0; i < 3; i++) { // three leases' worth of deferral, renewed every 50 s
            clock.advance(Duration.ofSeconds(50));
            assertEquals(1, owner.runMaintenanceOnce().renewed(), "the deferred task's claim is renewed");
            assertEquals(0, other.runMaintenanceOnce().recovered(), "a deferred task's claim is never taken");
        }

        owner.shutdown(); // ends the deferral at once, without waiting for the grace period
        assertEquals(TaskStatus.Ready, taskRows(other, id).get("wait").status(), "the claim was given back");
        ready.set(true);
        other.runMaintenanceOnce(); // picks the task up now rather than at the next poll
        assertEquals(ExecutionStatus.Completed, other.awaitExecution(id, GENEROUS).status());
        assertEquals(2, bodies.get(), "the body ran again from its start");
        assertEquals(2, output(other, id, "wait").get("run").asInt());
    }

    @Test
    void a_deferred_task_that_catches_the_shutdown_still_does_not_record_an_outcome() throws Exception {
        CountDownLatch deferred = new CountDownLatch(1);
        Workflow wf = Workflow.builder("stubborn").task("wait", TaskBody.withHandle((ctx, handle) -> {
            try {
                handle.deferUntil(() -> {
                    deferred.countDown();
                    return false;
                }, POLL);
            } catch (CloacaException shutdown) {
                return ctx.set("caught", shutdown.getMessage());
            }
            return ctx;
        })).build();
        String url = TestDatabases.postgres() ? TestDatabases.privateDatabaseUrl() : "sqlite://" + dir.resolve("s.db");
        RunnerFactory factory = closing(new RunnerFactory(registryOf(wf), new SettableClock(), false));
        Runner runner = factory.open(url, concurrency(1));
        String id = runner.submit("stubborn", Context.empty()).executionId();
        assertTrue(await(deferred));
        runner.shutdown();
        assertEquals(0, runner.runningTasks());
        RunnerFactory again = closing(new RunnerFactory(registryOf(wf), new SettableClock(), false));
        Runner reader = again.open(url, concurrency(1));
        assertEquals(TaskStatus.Ready, taskRows(reader, id).get("wait").status());
    }

    @Test
    void a_java_condition_failure_is_a_task_failed_exception_a_body_may_catch() throws Exception {
        Workflow wf = Workflow.builder("catches").task("t", TaskBody.withHandle((ctx, handle) -> {
            try {
                handle.deferUntil(() -> {
                    throw new java.io.IOException("no route");
                }, POLL);
                return ctx;
            } catch (TaskFailedException e) {
                return ctx.set("caught", e.getMessage()).set("held", handle.isSlotHeld());
            }
        })).build();
        Runner runner = closing(memoryRunner(concurrency(1), wf));
        var result = runner.execute("catches", Context.empty());
        assertEquals(ExecutionStatus.Completed, result.status());
        Context out = output(runner, result.executionId(), "t");
        assertEquals("The deferUntil condition of task '" + ns("catches", "t") + "' raised IOException: no route",
                out.get("caught").asText());
        assertTrue(out.get("held").asBoolean(), "the slot was taken back before the error reached the body");
    }
}
