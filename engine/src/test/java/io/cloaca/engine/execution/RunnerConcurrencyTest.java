package io.cloaca.engine.execution;

import io.cloaca.engine.context.Context;
import io.cloaca.engine.store.ExecutionStatus;
import io.cloaca.engine.workflow.TaskBody;
import io.cloaca.engine.workflow.Workflow;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.cloaca.engine.TestSupport.GENEROUS;
import static io.cloaca.engine.TestSupport.concurrency;
import static io.cloaca.engine.TestSupport.memoryRunner;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * max_concurrent_tasks bounds the bodies running at once. Barriers prove that tasks do overlap (a
 * serial engine would break them); held bodies and a counter of bodies in flight prove the bound:
 * the bodies are held until every other task is seen waiting in the runner's queue, so an engine that
 * let more in would have done so before the gate opens. No sleeps, no time windows; no assertion
 * depends on how fast the machine is.
 */
class RunnerConcurrencyTest {

    /** Counts bodies in flight and the highest count seen. */
    private static final class Gauge {
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger max = new AtomicInteger();

        private Context inFlight(Context ctx, Callable<?> hold) throws Exception {
            max.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                hold.call();
            } finally {
                running.decrementAndGet();
            }
            return ctx;
        }

        /** A body that enters, waits for {@code barrier}'s other parties, and leaves. */
        TaskBody meetingAt(CyclicBarrier barrier) {
            return ctx -> inFlight(ctx, () -> barrier.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS));
        }

        /** A body that counts down {@code entries} on entry, then waits for {@code gate}. */
        TaskBody heldBy(CountDownLatch entries, CountDownLatch gate) {
            return ctx -> inFlight(ctx, () -> {
                entries.countDown();
                return gate.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS);
            });
        }
    }

    /**
     * Submits {@code executions} runs of {@code wf} (whose bodies are {@link Gauge#heldBy}, counting down
     * {@code entries} of {@code bound}), waits until {@code bound} bodies are in and every other task is
     * waiting in the queue, and asserts that no more than {@code bound} got in; then opens the gate and
     * waits for all. Both waits are for a state, not for time.
     */
    private static void assertHeldAtBound(Runner runner, Workflow wf, int executions, int bound, Gauge gauge,
                                          CountDownLatch entries, CountDownLatch gate) throws Exception {
        List<Runner.Submission> submissions = new ArrayList<>();
        int tasks = executions * wf.tasks().size();
        try {
            for (int i = 0; i < executions; i++) {
                submissions.add(runner.submit(wf.name(), Context.empty()));
            }
            assertTrue(entries.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS), "every worker is busy");
            // Free slots = workers - running - queued: every task not running sits in the queue.
            long deadline = System.nanoTime() + GENEROUS.toNanos();
            while (runner.spareCapacity() != bound - tasks && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertEquals(bound - tasks, runner.spareCapacity(), "the other tasks wait in the queue");
            assertEquals(bound, gauge.running.get(), "exactly " + bound + " bodies are in while the gate is shut");
        } finally {
            gate.countDown();
        }
        for (Runner.Submission s : submissions) {
            ExecutionResult result = s.result().get(GENEROUS.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(ExecutionStatus.Completed, result.status(), () -> String.valueOf(result.errorMessage()));
        }
    }

    private static Workflow independentTasks(String name, int count, TaskBody body) {
        Workflow.Builder builder = Workflow.builder(name);
        for (int i = 0; i < count; i++) {
            builder.task("t" + i, body);
        }
        return builder.build();
    }

    @Test
    void with_two_workers_eight_independent_tasks_never_run_more_than_two_at_once() throws Exception {
        Gauge gauge = new Gauge();
        CountDownLatch entries = new CountDownLatch(2);
        CountDownLatch gate = new CountDownLatch(1);
        Workflow wf = independentTasks("eight", 8, gauge.heldBy(entries, gate));
        try (Runner runner = memoryRunner(concurrency(2), wf)) {
            assertHeldAtBound(runner, wf, 1, 2, gauge, entries, gate);
        }
        assertEquals(2, gauge.max.get());
    }

    @Test
    void a_runner_has_exactly_max_concurrent_tasks_worker_threads() {
        Workflow wf = independentTasks("threads", 1, ctx -> ctx);
        java.util.Set<Thread> before = workerThreads();
        try (Runner runner = memoryRunner(concurrency(3), wf)) {
            java.util.Set<Thread> started = workerThreads();
            started.removeAll(before);
            assertEquals(3, started.size());
        }
    }

    @Test
    void with_four_workers_four_independent_tasks_run_at_the_same_time() {
        Gauge gauge = new Gauge();
        // All four must be inside their bodies at once for the barrier to open.
        Workflow wf = independentTasks("four", 4, gauge.meetingAt(new CyclicBarrier(4)));
        try (Runner runner = memoryRunner(concurrency(4), wf)) {
            ExecutionResult result = runner.execute("four", Context.empty());
            assertEquals(ExecutionStatus.Completed, result.status(), () -> String.valueOf(result.errorMessage()));
        }
        assertEquals(4, gauge.max.get());
    }

    @Test
    void with_one_worker_tasks_run_strictly_one_at_a_time() {
        Gauge gauge = new Gauge();
        Workflow wf = independentTasks("serial", 6, gauge.meetingAt(new CyclicBarrier(1)));
        try (Runner runner = memoryRunner(concurrency(1), wf)) {
            assertEquals(ExecutionStatus.Completed, runner.execute("serial", Context.empty()).status());
        }
        assertEquals(1, gauge.max.get());
    }

    @Test
    void the_bound_holds_across_executions_submitted_at_once() throws Exception {
        Gauge gauge = new Gauge();
        CountDownLatch entries = new CountDownLatch(2);
        CountDownLatch gate = new CountDownLatch(1);
        Workflow wf = independentTasks("multi", 3, gauge.heldBy(entries, gate));
        try (Runner runner = memoryRunner(concurrency(2), wf)) {
            assertHeldAtBound(runner, wf, 4, 2, gauge, entries, gate);
        }
        assertEquals(2, gauge.max.get());
    }

    private static java.util.Set<Thread> workerThreads() {
        java.util.Set<Thread> threads = new java.util.HashSet<>();
        Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("cloaca-") && t.getName().contains("-worker-") && t.isAlive())
                .forEach(threads::add);
        return threads;
    }
}
