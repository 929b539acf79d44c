package io.cloaca.engine.execution;

import io.cloaca.engine.context.Context;
import io.cloaca.engine.store.ExecutionStatus;
import io.cloaca.engine.workflow.TaskBody;
import io.cloaca.engine.workflow.Workflow;
import org.junit.jupiter.api.Test;

import java.time.Duration;
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
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * max_concurrent_tasks bounds the bodies running at once. Barriers prove that tasks do overlap (a
 * serial engine would break them); held bodies and a counter of bodies in flight prove the bound.
 * No sleeps; no assertion depends on how fast the machine is.
 */
class RunnerConcurrencyTest {

    private static final Duration VIOLATION_WINDOW = Duration.ofMillis(300);

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
     * Submits {@code executions} runs of {@code wf} (whose bodies are {@link Gauge#heldBy}) and asserts
     * that exactly {@code bound} bodies get in while the gate is shut; then opens it and waits for all.
     * The window only limits how long we look for a violation: a correct engine passes however slow the
     * machine, while an unbounded one has idle workers that enter at once.
     */
    private static void assertHeldAtBound(Runner runner, Workflow wf, int executions, int bound,
                                          CountDownLatch entries, CountDownLatch gate) throws Exception {
        List<Runner.Submission> submissions = new ArrayList<>();
        try {
            for (int i = 0; i < executions; i++) {
                submissions.add(runner.submit(wf.name(), Context.empty()));
            }
            assertFalse(entries.await(VIOLATION_WINDOW.toMillis(), TimeUnit.MILLISECONDS),
                    "more than " + bound + " tasks started at once");
            assertEquals(bound, bound + 1 - entries.getCount(), "every worker is busy");
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
        CountDownLatch entries = new CountDownLatch(3);
        CountDownLatch gate = new CountDownLatch(1);
        Workflow wf = independentTasks("eight", 8, gauge.heldBy(entries, gate));
        try (Runner runner = memoryRunner(concurrency(2), wf)) {
            assertHeldAtBound(runner, wf, 1, 2, entries, gate);
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
        CountDownLatch entries = new CountDownLatch(3);
        CountDownLatch gate = new CountDownLatch(1);
        Workflow wf = independentTasks("multi", 3, gauge.heldBy(entries, gate));
        try (Runner runner = memoryRunner(concurrency(2), wf)) {
            assertHeldAtBound(runner, wf, 4, 2, entries, gate);
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
