package io.cloaca.engine.execution;

import io.cloaca.engine.context.Context;
import io.cloaca.engine.retry.RetryPolicy;
import io.cloaca.engine.store.ExecutionStatus;
import io.cloaca.engine.store.TaskRecord;
import io.cloaca.engine.store.TaskStatus;
import io.cloaca.engine.workflow.TaskBody;
import io.cloaca.engine.workflow.TriggerRule;
import io.cloaca.engine.workflow.TriggerRule.Operator;
import io.cloaca.engine.workflow.Workflow;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static io.cloaca.engine.TestSupport.context;
import static io.cloaca.engine.TestSupport.memoryRunner;
import static io.cloaca.engine.TestSupport.output;
import static io.cloaca.engine.TestSupport.taskRows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Trigger rules in the engine, from Java tasks (reference §2.6): a false rule skips a task without
 * running it, dependents follow their own rules. Runs on PostgreSQL with -Dcloaca.test.backend=postgresql.
 */
class RunnerTriggerRulesTest {

    private static TriggerRule modeIs(String mode) {
        return TriggerRule.contextValue("mode", Operator.EQUALS, Context.JSON.valueToTree(mode));
    }

    private static TaskBody mark(String key, AtomicInteger calls) {
        return ctx -> {
            calls.incrementAndGet();
            return ctx.set(key, true);
        };
    }

    @Test
    void a_context_value_chooses_a_branch_and_a_fan_in_past_the_skipped_one_runs() {
        AtomicInteger fastCalls = new AtomicInteger();
        AtomicInteger slowCalls = new AtomicInteger();
        Workflow wf = Workflow.builder("branch")
                .task("decide", ctx -> ctx.set("mode", ctx.get("input").asText()))
                .task("fast", List.of("decide"), RetryPolicy.DEFAULT, modeIs("fast"), mark("fast_ran", fastCalls))
                .task("slow", List.of("decide"), RetryPolicy.DEFAULT, modeIs("slow"), mark("slow_ran", slowCalls))
                .task("report", List.of("fast", "slow"), ctx -> ctx.set("reported", true))
                .build();
        try (Runner runner = memoryRunner(wf)) {
            ExecutionResult result = runner.execute("branch", context("{'input': 'fast'}"));

            assertEquals(ExecutionStatus.Completed, result.status());
            assertNull(result.errorMessage());
            assertEquals(1, fastCalls.get());
            assertEquals(0, slowCalls.get());
            Map<String, TaskRecord> rows = taskRows(runner, result.executionId());
            assertEquals(TaskStatus.Completed, rows.get("fast").status());
            assertEquals(TaskStatus.Skipped, rows.get("slow").status());
            assertEquals("skipped: context_value('mode', '==', 'slow') was false", rows.get("slow").lastError());
            assertEquals(0, rows.get("slow").attemptsUsed());
            assertEquals(TaskStatus.Completed, rows.get("report").status());
            Context report = output(runner, result.executionId(), "report");
            assertTrue(report.get("fast_ran").asBoolean());
            assertFalse(report.containsKey("slow_ran"));
            assertEquals("fast", report.get("mode").asText(), "the skipped branch passes its input through");
        }
    }

    @Test
    void a_clean_up_runs_only_when_a_task_failed_and_a_chain_of_skips_ends_completed() {
        AtomicInteger cleanups = new AtomicInteger();
        AtomicInteger afterCleanup = new AtomicInteger();
        TaskBody work = ctx -> {
            if (ctx.get("fail").asBoolean()) {
                throw new IllegalStateException("disk full");
            }
            return ctx.set("worked", true);
        };
        Workflow wf = Workflow.builder("cleanup")
                .task("work", List.of(), RetryPolicy.NONE, work)
                .task("clean", List.of("work"), RetryPolicy.DEFAULT, TriggerRule.taskFailed("work"),
                        mark("cleaned", cleanups))
                .task("after_clean", List.of("clean"), RetryPolicy.DEFAULT, TriggerRule.taskSuccess("clean"),
                        mark("after", afterCleanup))
                .build();
        try (Runner runner = memoryRunner(wf)) {
            ExecutionResult ok = runner.execute("cleanup", context("{'fail': false}"));
            assertEquals(ExecutionStatus.Completed, ok.status());
            Map<String, TaskRecord> rows = taskRows(runner, ok.executionId());
            assertEquals(TaskStatus.Skipped, rows.get("clean").status());
            assertEquals("skipped: task_failed('work') was false", rows.get("clean").lastError());
            assertEquals(TaskStatus.Skipped, rows.get("after_clean").status(), "a skip cascades within one finish");
            assertEquals(0, cleanups.get());
            assertTrue(ok.finalContext().get("worked").asBoolean());

            ExecutionResult failed = runner.execute("cleanup", context("{'fail': true}"));
            assertEquals(ExecutionStatus.Failed, failed.status());
            assertEquals("1 task(s) failed, 2 completed, 0 skipped", failed.errorMessage());
            assertEquals(1, cleanups.get());
            assertEquals(1, afterCleanup.get());
        }
    }

    @Test
    void skipped_tasks_are_counted_in_a_failed_workflows_message() {
        Workflow wf = Workflow.builder("count")
                .task("boom", List.of(), RetryPolicy.NONE, ctx -> {
                    throw new IllegalStateException("no");
                })
                .task("on_ok", List.of("boom"), RetryPolicy.DEFAULT, TriggerRule.taskSuccess("boom"), ctx -> ctx)
                .build();
        try (Runner runner = memoryRunner(wf)) {
            ExecutionResult result = runner.execute("count", context("{}"));
            assertEquals(ExecutionStatus.Failed, result.status());
            assertEquals("1 task(s) failed, 0 completed, 1 skipped", result.errorMessage());
        }
    }

    @Test
    void root_rules_see_the_initial_context_and_an_all_skipped_execution_completes() {
        AtomicInteger calls = new AtomicInteger();
        Workflow wf = Workflow.builder("roots")
                .task("only_fast", List.of(), RetryPolicy.DEFAULT, modeIs("fast"), mark("a", calls))
                .task("next", List.of("only_fast"), RetryPolicy.DEFAULT,
                        TriggerRule.noneOf(TriggerRule.taskSkipped("only_fast")), mark("b", calls))
                .build();
        try (Runner runner = memoryRunner(wf)) {
            ExecutionResult skipped = runner.execute("roots", context("{'mode': 'slow'}"));
            assertEquals(ExecutionStatus.Completed, skipped.status());
            assertEquals(0, calls.get());
            Map<String, TaskRecord> rows = taskRows(runner, skipped.executionId());
            assertEquals(TaskStatus.Skipped, rows.get("only_fast").status());
            assertEquals("skipped: task_skipped('only_fast') was true", rows.get("next").lastError());
            assertEquals("slow", skipped.finalContext().get("mode").asText());

            ExecutionResult ran = runner.execute("roots", context("{'mode': 'fast'}"));
            assertEquals(ExecutionStatus.Completed, ran.status());
            assertEquals(2, calls.get());
        }
    }
}
