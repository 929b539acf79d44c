package io.cloaca.engine.execution;

import io.cloaca.engine.SettableClock;
import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.store.ExecutionStatus;
import io.cloaca.engine.store.TaskStatus;
import io.cloaca.engine.workflow.Workflow;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.cloaca.engine.TestSupport.GENEROUS;
import static io.cloaca.engine.TestSupport.memoryRunner;
import static io.cloaca.engine.TestSupport.registryOf;
import static io.cloaca.engine.TestSupport.taskRows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A runner claims the roots of the executions it creates up to {@code claim_ahead} of its workers' recent
 * pace, and leaves the rest of a backlog Ready for any runner. Its one worker is held by a task while the
 * backlog is submitted, so every root claimed at creation is still waiting, claimed, when the rows are read.
 */
class ClaimAheadTest {

    private static final int BACKLOG = 30;

    /** A one-task workflow whose next run, once {@link #hold} is set, waits for {@link #gate}. */
    private static final class HeldOnce {
        final AtomicBoolean hold = new AtomicBoolean();
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch gate = new CountDownLatch(1);

        Workflow workflow(String name) {
            return Workflow.builder(name).task("t", ctx -> {
                if (hold.compareAndSet(true, false)) {
                    held.countDown();
                    assertTrue(gate.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS));
                }
                return ctx;
            }).build();
        }
    }

    /** How many of a backlog's roots a one-worker runner with {@code claimAhead} claimed as it created them. */
    private static long claimedAtCreation(Duration claimAhead) throws Exception {
        HeldOnce worker = new HeldOnce();
        Workflow wf = worker.workflow("ahead");
        RunnerConfig config = RunnerConfig.builder().maxConcurrentTasks(1).claimAhead(claimAhead).build();
        try (Runner runner = memoryRunner(config, wf)) {
            runner.execute("ahead", Context.empty()); // one task done: the runner knows its pace
            worker.hold.set(true);
            Runner.Submission holder = runner.submit("ahead", Context.empty());
            assertTrue(worker.held.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS), "the worker is held");
            List<Runner.Submission> backlog = new ArrayList<>();
            for (int i = 0; i < BACKLOG; i++) {
                backlog.add(runner.submit("ahead", Context.empty()));
            }
            long claimed = backlog.stream()
                    .filter(s -> taskRows(runner, s.executionId()).get("t").status() == TaskStatus.Running).count();
            worker.gate.countDown();
            assertEquals(ExecutionStatus.Completed, holder.result().get(GENEROUS.toMillis(), TimeUnit.MILLISECONDS).status());
            for (Runner.Submission s : backlog) {
                assertEquals(ExecutionStatus.Completed, s.result().get(GENEROUS.toMillis(), TimeUnit.MILLISECONDS).status());
            }
            return claimed;
        }
    }

    @Test
    void a_backlog_within_the_span_is_claimed_as_it_is_created() throws Exception {
        assertEquals(BACKLOG, claimedAtCreation(Duration.ofHours(1)));
    }

    @Test
    void without_a_span_only_one_task_per_worker_beyond_the_free_ones_is_claimed() throws Exception {
        // The one worker is busy: one queued task per worker, and the rest Ready.
        assertEquals(1, claimedAtCreation(Duration.ZERO));
    }

    @Test
    void a_claimed_root_that_no_worker_started_within_a_heartbeat_interval_is_given_back() throws Exception {
        SettableClock clock = new SettableClock();
        HeldOnce worker = new HeldOnce();
        Workflow wf = worker.workflow("stuck");
        RunnerConfig config = RunnerConfig.builder().maxConcurrentTasks(1).claimAhead(Duration.ofHours(1)).build();
        try (RunnerFactory factory = new RunnerFactory(registryOf(wf), clock, false);
             Runner runner = factory.open(TestDatabases.privateDatabaseUrl(), config)) {
            worker.hold.set(true);
            Runner.Submission holder = runner.submit("stuck", Context.empty());
            assertTrue(worker.held.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS), "the worker is held");
            Runner.Submission waiting = runner.submit("stuck", Context.empty());
            assertEquals(TaskStatus.Running, taskRows(runner, waiting.executionId()).get("t").status(),
                    "claimed with its execution");

            clock.advance(config.heartbeatInterval().minusMillis(1));
            assertEquals(2, runner.runMaintenanceOnce().renewed(), "within the interval the queued claim is renewed");
            assertEquals(TaskStatus.Running, taskRows(runner, waiting.executionId()).get("t").status());

            clock.advance(Duration.ofMillis(1));
            assertEquals(1, runner.runMaintenanceOnce().renewed(), "only the running task's claim is renewed");
            var row = taskRows(runner, waiting.executionId()).get("t");
            assertEquals(TaskStatus.Ready, row.status(), "given back for any runner to take");
            assertNull(row.claimedBy());

            // Still in this runner's queue: its worker claims it again once free, and both executions end.
            worker.gate.countDown();
            assertEquals(ExecutionStatus.Completed, holder.result().get(GENEROUS.toMillis(), TimeUnit.MILLISECONDS).status());
            assertEquals(ExecutionStatus.Completed, waiting.result().get(GENEROUS.toMillis(), TimeUnit.MILLISECONDS).status());
            assertEquals(1, taskRows(runner, waiting.executionId()).get("t").attempt());
        }
    }
}
