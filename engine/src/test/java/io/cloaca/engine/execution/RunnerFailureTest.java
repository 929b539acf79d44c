package io.cloaca.engine.execution;

import io.cloaca.engine.ErrorText;
import io.cloaca.engine.LogCapture;
import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.TestSupport;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.retry.RetryCondition;
import io.cloaca.engine.retry.RetryPolicy;
import io.cloaca.engine.store.Database;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.ExecutionHistory;
import io.cloaca.engine.store.ExecutionStatus;
import io.cloaca.engine.store.ExecutionStore;
import io.cloaca.engine.store.TaskRecord;
import io.cloaca.engine.store.TaskStatus;
import io.cloaca.engine.workflow.TaskBody;
import io.cloaca.engine.workflow.TaskFailedException;
import io.cloaca.engine.workflow.Workflow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.cloaca.engine.TestSupport.GENEROUS;
import static io.cloaca.engine.TestSupport.context;
import static io.cloaca.engine.TestSupport.fileRunner;
import static io.cloaca.engine.TestSupport.memoryRunner;
import static io.cloaca.engine.TestSupport.output;
import static io.cloaca.engine.TestSupport.quickRetry;
import static io.cloaca.engine.TestSupport.runOnce;
import static io.cloaca.engine.TestSupport.taskRows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Failure propagation, retries and attempt timeouts (reference §2.5, §2.6; DESIGN §8). */
class RunnerFailureTest {

    /** A body that throws {@code error} on its first {@code failures} calls, then adds {@code done: true}. */
    private static TaskBody failingTimes(int failures, AtomicInteger calls, Exception error) {
        return ctx -> {
            if (calls.incrementAndGet() <= failures) {
                throw error;
            }
            return ctx.set("done", true);
        };
    }

    private static Workflow single(String name, RetryPolicy policy, TaskBody body) {
        return Workflow.builder(name).task("t", List.of(), policy, body).build();
    }

    // ---- failure propagation ----------------------------------------------------------------------

    @Test
    void a_failed_task_fails_the_workflow_but_its_dependents_still_run() {
        Workflow wf = Workflow.builder("partial")
                .task("ok", ctx -> ctx.set("ok", true))
                .task("boom", List.of(), RetryPolicy.NONE, ctx -> {
                    ctx.set("boom", true);
                    throw new IllegalStateException("kaput");
                })
                .task("after", List.of("ok", "boom"), ctx -> ctx.set("after_ran", true))
                .task("orphan", List.of("boom"), ctx -> ctx.set("orphan_input_size", ctx.size()))
                .build();
        try (Runner runner = memoryRunner(wf)) {
            ExecutionResult result = runner.execute("partial", context("{'seed': 7}"));

            assertEquals(ExecutionStatus.Failed, result.status());
            assertEquals("1 task(s) failed, 3 completed, 0 skipped", result.errorMessage());

            Map<String, TaskRecord> rows = taskRows(runner, result.executionId());
            assertEquals(TaskStatus.Failed, rows.get("boom").status());
            assertEquals(TaskStatus.Completed, rows.get("after").status());
            assertEquals(TaskStatus.Completed, rows.get("orphan").status());

            Context after = output(runner, result.executionId(), "after");
            assertTrue(after.get("ok").asBoolean(), "successful dependency's output is merged in");
            assertEquals(7, after.get("seed").asInt(), "initial context arrives through the successful root");
            assertFalse(after.containsKey("boom"), "a failed dependency contributes nothing");
            assertEquals(0, output(runner, result.executionId(), "orphan").get("orphan_input_size").asInt(),
                    "a task whose only dependency failed gets an empty context");
        }
    }

    @Test
    void a_last_success_after_a_failure_ends_the_execution_failed_with_its_output() throws Exception {
        // "ok" ends last, as a task nothing depends on, after a failure: its success must end the execution
        // Failed in the same transaction (not the conditional Completed end of its round trip).
        CountDownLatch boomRecorded = new CountDownLatch(1);
        Workflow wf = Workflow.builder("late_leaf")
                .task("boom", List.of(), RetryPolicy.NONE, ctx -> {
                    throw new IllegalStateException("kaput");
                })
                .task("ok", List.of(), RetryPolicy.NONE, ctx -> {
                    if (!boomRecorded.await(GENEROUS.toSeconds(), TimeUnit.SECONDS)) {
                        throw new IllegalStateException("boom's failure was never recorded");
                    }
                    return ctx.set("ok", true);
                })
                .build();
        try (RunnerFactory runners = new RunnerFactory(TestSupport.registryOf(wf), java.time.Clock.systemUTC(), true)) {
            runners.addTaskListener(event -> {
                if (event instanceof TaskEvent.Failed f && f.taskName().endsWith("boom")) {
                    boomRecorded.countDown();
                }
            });
            try (Runner runner = runners.open(TestDatabases.privateDatabaseUrl(),
                    RunnerConfig.builder().maxConcurrentTasks(2).executionTimeout(GENEROUS).build())) {
                ExecutionResult result = runner.execute("late_leaf", Context.empty());

                assertEquals(ExecutionStatus.Failed, result.status());
                assertEquals("1 task(s) failed, 1 completed, 0 skipped", result.errorMessage());
                assertTrue(result.finalContext().get("ok").asBoolean(), "the last success's output is the final context");
                assertEquals(TaskStatus.Completed, taskRows(runner, result.executionId()).get("ok").status());
            }
        }
    }

    @Test
    void a_failed_task_records_its_error_and_no_output() {
        Workflow wf = single("err", RetryPolicy.NONE, ctx -> {
            throw new IllegalArgumentException("bad value 3");
        });
        try (Runner runner = memoryRunner(wf)) {
            ExecutionResult result = runner.execute("err", Context.empty());
            TaskRecord row = taskRows(runner, result.executionId()).get("t");
            assertEquals("IllegalArgumentException: bad value 3", row.lastError());
            assertTrue(row.errorDetails().contains("IllegalArgumentException"), "stack trace kept as details");
            assertNull(row.outputContext());
            assertTrue(row.completedAt() != null);
        }
    }

    @Test
    void a_task_failed_exception_is_stored_with_its_exact_message_and_details() {
        Workflow wf = single("exact", RetryPolicy.NONE, ctx -> {
            throw new TaskFailedException("ValueError: nope", "Traceback: line 3");
        });
        try (Runner runner = memoryRunner(wf)) {
            ExecutionResult result = runner.execute("exact", Context.empty());
            TaskRecord row = taskRows(runner, result.executionId()).get("t");
            assertEquals("ValueError: nope", row.lastError());
            assertEquals("Traceback: line 3", row.errorDetails());
        }
    }

    @Test
    void huge_error_text_is_stored_and_logged_capped_with_what_was_cut() {
        // As a task whose failure quotes its whole output: no log line nor history row carries all of it.
        String message = "bad output: " + "m".repeat(ErrorText.LIMIT);
        String details = "d".repeat(1_000_000);
        Workflow wf = single("huge", quickRetry(2, new RetryCondition.AllErrors()), ctx -> {
            throw new TaskFailedException(message, details);
        });
        try (LogCapture log = LogCapture.start(); Runner runner = memoryRunner(wf)) {
            ExecutionResult result = runner.execute("huge", Context.empty());
            TaskRecord row = taskRows(runner, result.executionId()).get("t");
            assertEquals(message.substring(0, ErrorText.LIMIT) + "\n[... cut: 12 more characters]", row.lastError());
            assertEquals("d".repeat(ErrorText.LIMIT) + "\n[... cut: " + (1_000_000 - ErrorText.LIMIT) + " more characters]",
                    row.errorDetails());
            List<ExecutionHistory.Attempt> retried = runner.history().taskHistories(result.executionId()).get(0).retried();
            assertEquals(List.of(row.lastError()), retried.stream().map(ExecutionHistory.Attempt::error).toList());
            String logged = log.text();
            assertTrue(logged.contains("[... cut: " + (1_000_000 - ErrorText.LIMIT) + " more characters]"), "details logged capped");
            assertTrue(logged.lines().allMatch(l -> l.length() < ErrorText.LIMIT + 200), "a line longer than the cap was logged");
        }
    }

    @Test
    void a_task_that_throws_an_error_fails_instead_of_killing_its_worker() {
        Workflow wf = single("assertion", RetryPolicy.NONE, ctx -> {
            throw new AssertionError("invariant broken");
        });
        RunnerConfig oneWorker = RunnerConfig.builder().maxConcurrentTasks(1).executionTimeout(GENEROUS).build();
        try (Runner runner = memoryRunner(oneWorker, wf)) {
            ExecutionResult result = runner.execute("assertion", Context.empty());
            assertEquals(ExecutionStatus.Failed, result.status());
            assertEquals("AssertionError: invariant broken",
                    taskRows(runner, result.executionId()).get("t").lastError());
            // The only worker survived: a second execution still runs.
            assertEquals(ExecutionStatus.Failed, runner.execute("assertion", Context.empty()).status());
        }
    }

    @Test
    void when_every_task_fails_the_final_context_is_the_initial_one() {
        Workflow wf = single("allfail", RetryPolicy.NONE, ctx -> {
            throw new RuntimeException("x");
        });
        ExecutionResult result = runOnce(wf, context("{'in': 1}"));
        assertEquals(ExecutionStatus.Failed, result.status());
        assertEquals("1 task(s) failed, 0 completed, 0 skipped", result.errorMessage());
        assertEquals(context("{'in': 1}").toJsonNode(), result.finalContext().toJsonNode());
    }

    @Test
    void when_the_last_task_fails_the_final_context_is_the_latest_completed_output() {
        Workflow wf = Workflow.builder("lastfails")
                .task("a", ctx -> ctx.set("a", 1))
                .task("b", List.of("a"), RetryPolicy.NONE, ctx -> {
                    throw new RuntimeException("late failure");
                })
                .build();
        ExecutionResult result = runOnce(wf, Context.empty());
        assertEquals(ExecutionStatus.Failed, result.status());
        assertEquals(context("{'a': 1}").toJsonNode(), result.finalContext().toJsonNode());
    }

    // ---- retries ----------------------------------------------------------------------------------

    @Test
    void a_task_that_fails_twice_then_succeeds_completes_on_its_third_attempt() {
        AtomicInteger calls = new AtomicInteger();
        Workflow wf = single("flaky", quickRetry(3, new RetryCondition.AllErrors()),
                failingTimes(2, calls, new IllegalStateException("not yet")));
        try (Runner runner = memoryRunner(wf)) {
            ExecutionResult result = runner.execute("flaky", Context.empty());
            assertEquals(ExecutionStatus.Completed, result.status());
            assertEquals(3, calls.get());
            TaskRecord row = taskRows(runner, result.executionId()).get("t");
            assertEquals(TaskStatus.Completed, row.status());
            assertEquals(3, row.attempt());
            assertEquals(3, row.maxAttempts());
            assertTrue(result.finalContext().get("done").asBoolean());
        }
    }

    @Test
    void a_task_that_always_fails_runs_max_attempts_times_then_fails() {
        AtomicInteger calls = new AtomicInteger();
        Workflow wf = single("hopeless", quickRetry(3, new RetryCondition.AllErrors()),
                failingTimes(Integer.MAX_VALUE, calls, new IllegalStateException("still broken")));
        try (Runner runner = memoryRunner(wf)) {
            ExecutionResult result = runner.execute("hopeless", Context.empty());
            assertEquals(ExecutionStatus.Failed, result.status());
            assertEquals(3, calls.get());
            TaskRecord row = taskRows(runner, result.executionId()).get("t");
            assertEquals(3, row.attempt());
            assertEquals("IllegalStateException: still broken", row.lastError());
        }
    }

    @Test
    void retry_condition_never_runs_the_body_once_even_with_five_attempts_allowed() {
        AtomicInteger calls = new AtomicInteger();
        Workflow wf = single("never", quickRetry(5, new RetryCondition.Never()),
                failingTimes(1, calls, new IOException("connection refused")));
        ExecutionResult result = runOnce(wf, Context.empty());
        assertEquals(ExecutionStatus.Failed, result.status());
        assertEquals(1, calls.get());
    }

    @Test
    void transient_only_retries_a_connection_error_until_it_succeeds() {
        AtomicInteger calls = new AtomicInteger();
        Workflow wf = single("transient", quickRetry(3, new RetryCondition.TransientOnly()),
                failingTimes(2, calls, new IOException("connection refused")));
        ExecutionResult result = runOnce(wf, Context.empty());
        assertEquals(ExecutionStatus.Completed, result.status());
        assertEquals(3, calls.get());
    }

    @Test
    void transient_only_does_not_retry_a_plain_bug() {
        AtomicInteger calls = new AtomicInteger();
        Workflow wf = single("bug", quickRetry(3, new RetryCondition.TransientOnly()),
                failingTimes(2, calls, new IllegalArgumentException("invalid literal for int()")));
        ExecutionResult result = runOnce(wf, Context.empty());
        assertEquals(ExecutionStatus.Failed, result.status());
        assertEquals(1, calls.get());
    }

    @Test
    void an_error_pattern_retries_only_matching_errors() {
        AtomicInteger matching = new AtomicInteger();
        AtomicInteger other = new AtomicInteger();
        RetryCondition flaky = new RetryCondition.ErrorPattern(List.of("FLAKY"));
        Workflow wf = Workflow.builder("patterns")
                .task("matching", List.of(), quickRetry(3, flaky),
                        failingTimes(1, matching, new IllegalStateException("flaky disk")))
                .task("other", List.of(), quickRetry(3, flaky),
                        failingTimes(1, other, new IllegalStateException("disk full")))
                .build();
        try (Runner runner = memoryRunner(wf)) {
            ExecutionResult result = runner.execute("patterns", Context.empty());
            assertEquals(2, matching.get());
            assertEquals(1, other.get());
            Map<String, TaskRecord> rows = taskRows(runner, result.executionId());
            assertEquals(TaskStatus.Completed, rows.get("matching").status());
            assertEquals(TaskStatus.Failed, rows.get("other").status());
            assertEquals("1 task(s) failed, 1 completed, 0 skipped", result.errorMessage());
        }
    }

    @Test
    void a_retry_starts_from_the_original_input_not_the_failed_attempts_changes() {
        AtomicInteger calls = new AtomicInteger();
        Workflow wf = single("fresh", quickRetry(2, new RetryCondition.AllErrors()), ctx -> {
            boolean sawDirt = ctx.containsKey("dirty");
            if (calls.incrementAndGet() == 1) {
                ctx.set("dirty", true);
                throw new IllegalStateException("first attempt fails");
            }
            return ctx.set("saw_dirt", sawDirt);
        });
        ExecutionResult result = runOnce(wf, context("{'clean': true}"));
        assertEquals(ExecutionStatus.Completed, result.status());
        assertFalse(result.finalContext().get("saw_dirt").asBoolean());
        assertFalse(result.finalContext().containsKey("dirty"));
    }

    // ---- attempt timeouts -------------------------------------------------------------------------

    @Test
    void an_attempt_that_overruns_task_timeout_fails_and_its_late_result_is_dropped(@TempDir Path dir)
            throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch bodyReturned = new CountDownLatch(1);
        Workflow wf = single("slow", RetryPolicy.NONE, ctx -> {
            awaitIgnoringInterrupts(release); // as a body blocked in I/O that an interrupt does not end
            bodyReturned.countDown();
            return ctx.set("late", true);
        });
        Path file = dir.resolve("timeout.db");
        RunnerConfig config = RunnerConfig.builder().taskTimeout(Duration.ofMillis(200)).build();
        String executionId;
        try (Runner runner = fileRunner(file, config, wf)) {
            ExecutionResult result = runner.execute("slow", Context.empty());
            executionId = result.executionId();
            assertEquals(ExecutionStatus.Failed, result.status());
            String error = taskRows(runner, executionId).get("t").lastError();
            assertTrue(error.startsWith("Task timed out after"), error);
            release.countDown();
            assertTrue(bodyReturned.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS));
        } // close() joins the workers, so the late body's attempt to record has happened by now
        try (Database db = Database.open(DatabaseUrl.parse(file.toString()), 1, true)) {
            TaskRecord row = new ExecutionStore(db, null).listTasks(executionId).get(0);
            assertEquals(TaskStatus.Failed, row.status());
            assertNull(row.outputContext(), "the late result must not overwrite the timeout");
        }
    }

    @Test
    void a_body_returning_after_its_timeout_was_recorded_is_dropped_with_a_warning_not_recorded() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Workflow stuck = single("stuck", RetryPolicy.NONE, ctx -> {
            awaitIgnoringInterrupts(release);
            return ctx.set("late", true);
        });
        Workflow after = single("after", RetryPolicy.NONE, ctx -> ctx);
        // One slot: the second execution's task runs only once the worker has dealt with the late return.
        RunnerConfig config = RunnerConfig.builder().maxConcurrentTasks(1).taskTimeout(Duration.ofMillis(200)).build();
        try (LogCapture log = LogCapture.start(); Runner runner = memoryRunner(config, stuck, after)) {
            ExecutionResult timedOut = runner.execute("stuck", Context.empty());
            assertEquals(ExecutionStatus.Failed, timedOut.status());
            release.countDown();
            assertEquals(ExecutionStatus.Completed, runner.execute("after", Context.empty()).status());
            assertTrue(log.text().contains("returned after its timeout was recorded; what it returned is dropped"),
                    log.text());
            assertFalse(log.text().contains("Could not record"), log.text());
            TaskRecord row = taskRows(runner, timedOut.executionId()).get("t");
            assertEquals(TaskStatus.Failed, row.status());
            assertNull(row.outputContext());
        }
    }

    @Test
    void a_java_body_is_interrupted_when_its_attempt_times_out_and_its_worker_runs_the_next_task() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        Workflow blocked = single("blocked", RetryPolicy.NONE, ctx -> {
            try {
                new CountDownLatch(1).await(); // for ever, but for the interrupt
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
            return ctx;
        });
        Workflow after = single("after", RetryPolicy.NONE,
                ctx -> ctx.set("interrupted_flag", Thread.currentThread().isInterrupted()));
        // One slot: the second execution runs only on the worker the first body held.
        RunnerConfig config = RunnerConfig.builder().maxConcurrentTasks(1).taskTimeout(Duration.ofMillis(200)).build();
        try (Runner runner = memoryRunner(config, blocked, after)) {
            ExecutionResult timedOut = runner.execute("blocked", Context.empty());
            assertEquals(ExecutionStatus.Failed, timedOut.status());
            assertTrue(taskRows(runner, timedOut.executionId()).get("t").lastError().startsWith("Task timed out after"));
            assertTrue(interrupted.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS), "the body was not interrupted");
            ExecutionResult next = runner.execute("after", Context.empty());
            assertEquals(ExecutionStatus.Completed, next.status());
            assertFalse(next.finalContext().get("interrupted_flag").asBoolean(), "the interrupt outlived the body");
        }
    }

    @Test
    void a_body_that_is_not_interruptible_runs_on_after_its_timeout() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch returned = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean sawInterrupt = new java.util.concurrent.atomic.AtomicBoolean();
        TaskBody body = new TaskBody() {
            @Override
            public Context run(Context input) throws InterruptedException {
                try {
                    release.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    sawInterrupt.set(true);
                    throw e;
                }
                returned.countDown();
                return input;
            }

            @Override
            public boolean interruptible() {
                return false;
            }
        };
        RunnerConfig config = RunnerConfig.builder().taskTimeout(Duration.ofMillis(200)).build();
        try (Runner runner = memoryRunner(config, single("python_like", RetryPolicy.NONE, body))) {
            assertEquals(ExecutionStatus.Failed, runner.execute("python_like", Context.empty()).status());
            release.countDown();
            assertTrue(returned.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS), "the body did not return normally");
            assertFalse(sawInterrupt.get());
        }
    }

    /** Waits for {@code latch} the way a body blocked in non-interruptible I/O does: interrupts do not end it. */
    private static void awaitIgnoringInterrupts(CountDownLatch latch) {
        long deadline = System.nanoTime() + GENEROUS.toNanos();
        while (latch.getCount() > 0 && System.nanoTime() < deadline) {
            try {
                latch.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException ignored) {
                // keep waiting
            }
        }
    }

    @Test
    void a_timed_out_attempt_is_retried_under_transient_only() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        Workflow wf = single("retry_timeout", quickRetry(2, new RetryCondition.TransientOnly()), ctx -> {
            if (calls.incrementAndGet() == 1) {
                release.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS);
            }
            return ctx.set("attempt", calls.get());
        });
        RunnerConfig config = RunnerConfig.builder().taskTimeout(Duration.ofMillis(200)).build();
        try (Runner runner = memoryRunner(config, wf)) {
            ExecutionResult result = runner.execute("retry_timeout", Context.empty());
            release.countDown();
            assertEquals(ExecutionStatus.Completed, result.status(), () -> String.valueOf(result.errorMessage()));
            assertEquals(2, result.finalContext().get("attempt").asInt());
            assertEquals(2, taskRows(runner, result.executionId()).get("t").attempt());
        }
    }
}
