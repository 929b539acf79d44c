package io.cloaca.engine.execution;

import io.cloaca.engine.SettableClock;
import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.TestSupport;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.store.ExecutionStatus;
import io.cloaca.engine.store.TaskRecord;
import io.cloaca.engine.store.TaskStatus;
import io.cloaca.engine.workflow.Workflow;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.cloaca.engine.TestSupport.append;
import static io.cloaca.engine.TestSupport.context;
import static io.cloaca.engine.TestSupport.memoryRunner;
import static io.cloaca.engine.TestSupport.output;
import static io.cloaca.engine.TestSupport.parse;
import static io.cloaca.engine.TestSupport.runOnce;
import static io.cloaca.engine.TestSupport.strings;
import static io.cloaca.engine.TestSupport.taskRows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How data moves between tasks on a real SQLite store (reference §2.4, DESIGN §8). */
class RunnerContextFlowTest {

    @Test
    void a_chain_passes_each_tasks_output_to_the_next() {
        Workflow chain = Workflow.builder("chain")
                .task("a", ctx -> ctx.set("a", ctx.get("seed").asInt() + 1))
                .task("b", List.of("a"), ctx -> ctx.set("b", ctx.get("a").asInt() * 10))
                .task("c", List.of("b"), ctx -> ctx.set("c", ctx.get("b").asInt() + 5))
                .build();
        ExecutionResult result = runOnce(chain, context("{'seed': 1}"));
        assertEquals(ExecutionStatus.Completed, result.status());
        assertNull(result.errorMessage());
        assertEquals(parse("{\"seed\":1,\"a\":2,\"b\":20,\"c\":25}").toJsonNode(), result.finalContext().toJsonNode());
    }

    @Test
    void every_root_task_receives_the_initial_context() {
        Workflow roots = Workflow.builder("roots")
                .task("r1", ctx -> ctx.set("r1_saw", ctx.get("run")))
                .task("r2", ctx -> ctx.set("r2_saw", ctx.get("run")))
                .task("join", List.of("r1", "r2"), ctx -> ctx)
                .build();
        ExecutionResult result = runOnce(roots, context("{'run': 'r-42'}"));
        assertEquals("r-42", result.finalContext().get("r1_saw").asText());
        assertEquals("r-42", result.finalContext().get("r2_saw").asText());
        assertEquals("r-42", result.finalContext().get("run").asText());
    }

    @Test
    void the_join_of_a_diamond_sees_the_union_of_both_branches_list_appends() {
        Workflow diamond = Workflow.builder("diamond")
                .task("a", append("execution_order", "a"))
                .task("b", List.of("a"), append("execution_order", "b"))
                .task("c", List.of("a"), append("execution_order", "c"))
                .task("d", List.of("b", "c"), append("execution_order", "d"))
                .build();
        ExecutionResult result = runOnce(diamond, Context.empty());
        List<String> order = strings(result.finalContext().get("execution_order"));
        assertEquals(4, order.size(), order.toString());
        assertEquals("a", order.get(0));
        assertTrue(order.containsAll(List.of("b", "c")), order.toString());
        assertEquals("d", order.get(3));
    }

    @Test
    void a_fan_in_of_three_collects_three() {
        Workflow fanIn = Workflow.builder("fan_in")
                .task("x", append("collected", "x"))
                .task("y", append("collected", "y"))
                .task("z", append("collected", "z"))
                .task("count", List.of("x", "y", "z"), ctx -> ctx.set("collected_count", ctx.get("collected").size()))
                .build();
        ExecutionResult result = runOnce(fanIn, Context.empty());
        assertEquals(3, result.finalContext().get("collected_count").asInt());
        assertEquals(List.of("x", "y", "z"), strings(result.finalContext().get("collected")).stream().sorted().toList());
    }

    @Test
    void the_initial_context_reaches_a_deep_task_only_through_its_ancestors() {
        Workflow wf = Workflow.builder("strip")
                .task("root", ctx -> Context.empty().set("from_root", true))
                .task("child", List.of("root"), ctx -> ctx.set("saw_secret", ctx.containsKey("secret")))
                .build();
        ExecutionResult result = runOnce(wf, context("{'secret': 's'}"));
        assertFalse(result.finalContext().get("saw_secret").asBoolean());
        assertFalse(result.finalContext().containsKey("secret"));
    }

    @Test
    void the_final_context_is_the_output_of_the_task_that_completed_last() {
        Workflow wf = Workflow.builder("leaves")
                .task("root", ctx -> ctx.set("root", true))
                .task("left", List.of("root"), ctx -> ctx.set("leaf", "left"))
                .task("mid", List.of("root"), ctx -> ctx.set("mid", true))
                .task("right", List.of("mid"), ctx -> ctx.set("leaf", "right"))
                .build();
        try (Runner runner = memoryRunner(wf)) {
            for (int run = 0; run < 5; run++) {
                ExecutionResult result = runner.execute("leaves", Context.empty());
                Map<String, TaskRecord> rows = taskRows(runner, result.executionId());
                assertTrue(rows.values().stream().allMatch(r -> r.status() == TaskStatus.Completed));
                long last = rows.values().stream().mapToLong(TaskRecord::completedAt).max().orElseThrow();
                // Milliseconds can tie; the final context must be the output of one of the latest.
                List<Object> latestOutputs = rows.values().stream().filter(r -> r.completedAt() == last)
                        .map(r -> parse(r.outputContext()).toJsonNode()).map(Object.class::cast).toList();
                assertTrue(latestOutputs.contains(result.finalContext().toJsonNode()),
                        result.finalContext() + " is not among the latest outputs " + latestOutputs);
                assertTrue(result.finalContext().containsKey("leaf"), "a leaf completes last");
            }
        }
    }

    @Test
    void completion_times_follow_commit_order_even_when_the_clock_goes_back() {
        // The middle task's clock reads an hour earlier than its predecessor's completion: its own time is
        // moved up to that one (on PostgreSQL after the commit that recorded it, in a second transaction).
        SettableClock clock = new SettableClock(java.time.Instant.parse("2026-06-01T12:00:00Z"));
        Workflow wf = Workflow.builder("clock_back")
                .task("a", ctx -> ctx)
                .task("b", List.of("a"), ctx -> {
                    clock.advance(java.time.Duration.ofHours(-1));
                    return ctx;
                })
                .task("c", List.of("b"), ctx -> ctx)
                .build();
        try (RunnerFactory runners = new RunnerFactory(TestSupport.registryOf(wf), clock, false);
             Runner runner = runners.open(TestDatabases.privateDatabaseUrl(), RunnerConfig.DEFAULT)) {
            ExecutionResult result = runner.execute("clock_back", Context.empty());

            assertEquals(ExecutionStatus.Completed, result.status());
            Map<String, TaskRecord> rows = taskRows(runner, result.executionId());
            long a = rows.get("a").completedAt();
            assertEquals(a, rows.get("b").completedAt(), "b is stamped no earlier than a, which committed first");
            assertTrue(rows.get("c").completedAt() >= a, "c: " + rows.get("c").completedAt() + " < " + a);
        }
    }

    @Test
    void each_task_row_keeps_its_own_output() {
        Workflow chain = Workflow.builder("chain")
                .task("a", ctx -> ctx.set("a", 1))
                .task("b", List.of("a"), ctx -> ctx.set("b", 2))
                .build();
        try (Runner runner = memoryRunner(chain)) {
            ExecutionResult result = runner.execute("chain", Context.empty());
            assertEquals(parse("{\"a\":1}").toJsonNode(), output(runner, result.executionId(), "a").toJsonNode());
            assertEquals(parse("{\"a\":1,\"b\":2}").toJsonNode(), output(runner, result.executionId(), "b").toJsonNode());
        }
    }

    @Test
    void a_task_gets_a_private_copy_so_its_changes_do_not_leak_into_a_siblings_input() {
        Workflow wf = Workflow.builder("copies")
                .task("root", ctx -> ctx.set("shared", "original"))
                .task("writer", List.of("root"), ctx -> ctx.set("shared", "changed"))
                .task("reader", List.of("root", "writer"), ctx -> ctx)
                .task("other", List.of("root"), ctx -> ctx.set("other_saw", ctx.get("shared")))
                .build();
        try (Runner runner = memoryRunner(wf)) {
            ExecutionResult result = runner.execute("copies", Context.empty());
            assertEquals("original", output(runner, result.executionId(), "other").get("other_saw").asText());
        }
    }

    @Test
    void one_runner_runs_the_same_workflow_many_times_with_independent_contexts() {
        Workflow wf = Workflow.builder("twice")
                .task("a", ctx -> ctx.set("double", ctx.get("n").asInt() * 2))
                .build();
        try (Runner runner = memoryRunner(wf)) {
            for (int n = 0; n < 5; n++) {
                ExecutionResult result = runner.execute("twice", Context.empty().set("n", n));
                assertEquals(n * 2, result.finalContext().get("double").asInt());
            }
            assertEquals(5, runner.history().recentExecutions("twice", 100).size());
        }
    }
}
