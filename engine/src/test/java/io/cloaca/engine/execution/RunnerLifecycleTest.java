package io.cloaca.engine.execution;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.store.ExecutionStatus;
import io.cloaca.engine.workflow.Workflow;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import static io.cloaca.engine.TestSupport.GENEROUS;
import static io.cloaca.engine.TestSupport.assertCloaca;
import static io.cloaca.engine.TestSupport.concurrency;
import static io.cloaca.engine.TestSupport.memoryRunner;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Races at the edges of a runner's life: no caller is ever left blocked, whatever interleaving of
 * submit and shutdown, or of waiters giving up and waiters staying; a worker survives an Error.
 */
class RunnerLifecycleTest {

    private static final Workflow QUICK = Workflow.builder("quick").task("t", ctx -> ctx.set("t", true)).build();

    /** The future ends (either way) well within the generous bound; a blocked waiter fails the test. */
    private static void assertEnds(CompletableFuture<ExecutionResult> future) throws InterruptedException {
        try {
            assertEquals(ExecutionStatus.Completed, future.get(GENEROUS.toMillis(), TimeUnit.MILLISECONDS).status());
        } catch (ExecutionException e) {
            CloacaException cause = assertInstanceOf(CloacaException.class, e.getCause());
            assertEquals(CloacaException.Kind.ILLEGAL_STATE, cause.kind());
            assertTrue(cause.getMessage().contains("shut down"), cause.getMessage());
        } catch (TimeoutException e) {
            fail("a caller was left waiting for an execution after shutdown");
        }
    }

    @Test
    void submit_racing_shutdown_leaves_no_caller_blocked() throws Exception {
        for (int round = 0; round < 5; round++) {
            Runner runner = memoryRunner(QUICK);
            List<CompletableFuture<ExecutionResult>> results = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch submitted = new CountDownLatch(3);
            List<Thread> submitters = new ArrayList<>();
            // What a submitter ran into other than "shut down": asserted here, since a failed assertion in
            // another thread would not fail the test.
            List<Throwable> unexpected = Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < 3; t++) {
                Thread submitter = new Thread(() -> {
                    while (true) {
                        try {
                            results.add(runner.submit("quick", Context.empty()).result());
                            submitted.countDown();
                        } catch (RuntimeException | Error e) {
                            if (!(e instanceof CloacaException c && c.kind() == CloacaException.Kind.ILLEGAL_STATE)) {
                                unexpected.add(e);
                            }
                            submitted.countDown();
                            return;
                        }
                    }
                });
                submitters.add(submitter);
                submitter.start();
            }
            assertTrue(submitted.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS));
            runner.shutdown();
            for (Thread submitter : submitters) {
                submitter.join(GENEROUS.toMillis());
                assertTrue(!submitter.isAlive(), "submit kept succeeding after shutdown");
            }
            assertEquals(List.of(), unexpected, "submit racing shutdown must fail only with ILLEGAL_STATE");
            for (CompletableFuture<ExecutionResult> result : List.copyOf(results)) {
                assertEnds(result);
            }
        }
    }

    @Test
    void a_waiter_that_times_out_does_not_strand_the_others_waiting_on_the_same_execution() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Workflow held = Workflow.builder("held").task("t", ctx -> {
            entered.countDown();
            release.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS);
            return ctx.set("t", true);
        }).build();
        try (Runner runner = memoryRunner(held)) {
            Runner.Submission submission = runner.submit("held", Context.empty());
            assertTrue(entered.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS));
            AtomicReference<Object> patient = new AtomicReference<>();
            Thread waiter = new Thread(() -> {
                try {
                    patient.set(runner.awaitExecution(submission.executionId(), GENEROUS));
                } catch (RuntimeException e) {
                    patient.set(e);
                }
            });
            waiter.start();
            // Registered and blocked: the state, not a delay.
            while (waiter.getState() != Thread.State.TIMED_WAITING && waiter.isAlive()) {
                Thread.sleep(1);
            }
            assertCloaca(CloacaException.Kind.TIMEOUT,
                    () -> runner.awaitExecution(submission.executionId(), Duration.ofMillis(1)));
            release.countDown();
            waiter.join(GENEROUS.toMillis());
            ExecutionResult result = assertInstanceOf(ExecutionResult.class, patient.get());
            assertEquals(ExecutionStatus.Completed, result.status());
            assertEquals(ExecutionStatus.Completed,
                    submission.result().get(GENEROUS.toMillis(), TimeUnit.MILLISECONDS).status());
        }
    }

    @Test
    void an_error_thrown_in_a_body_fails_the_task_and_the_only_worker_goes_on() throws Exception {
        Workflow broken = Workflow.builder("broken").task("t", ctx -> {
            throw new StackOverflowError("deep");
        }).build();
        try (Runner runner = memoryRunner(concurrency(1), broken, QUICK)) {
            ExecutionResult failed = runner.submit("broken", Context.empty()).result()
                    .get(GENEROUS.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(ExecutionStatus.Failed, failed.status());
            assertEquals(ExecutionStatus.Completed, runner.submit("quick", Context.empty()).result()
                    .get(GENEROUS.toMillis(), TimeUnit.MILLISECONDS).status(), "the one worker is still alive");
        }
    }
}
