package io.cloaca.engine.store;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.cloaca.engine.retry.RetryPolicy;
import io.cloaca.engine.workflow.TriggerRule;
import io.cloaca.engine.workflow.TriggerRule.Operator;
import io.cloaca.engine.workflow.Workflow;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.cloaca.engine.TestSupport.json;
import static io.cloaca.engine.TestSupport.ns;
import static io.cloaca.engine.store.TaskStatus.Completed;
import static io.cloaca.engine.store.TaskStatus.Failed;
import static io.cloaca.engine.store.TaskStatus.NotStarted;
import static io.cloaca.engine.store.TaskStatus.Ready;
import static io.cloaca.engine.store.TaskStatus.Running;
import static io.cloaca.engine.store.TaskStatus.Skipped;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What follows a step of an execution, decided from its workflow and task rows without a database. */
class ExecutionProgressTest {

    private static final String WF = "wf";

    /** A workflow under construction and the rows, outputs and input the decision is given. */
    private static final class Case {
        final Workflow.Builder builder = Workflow.builder(WF);
        final Map<String, ExecutionProgress.Row> rows = new LinkedHashMap<>();
        final Map<String, String> outputs = new LinkedHashMap<>();
        ObjectNode initial = json("{'in': 0}");
        /** Every context read the decision made, to check that it reads only when it must. */
        final List<String> reads = new ArrayList<>();

        Case task(String id, String... deps) {
            return task(id, TriggerRule.ALWAYS, deps);
        }

        Case task(String id, TriggerRule rule, String... deps) {
            builder.task(id, List.of(deps), RetryPolicy.NONE, rule, ctx -> ctx);
            return this;
        }

        /** Task {@code id}'s row: its status, ended at {@code completedAt} (may be null). */
        Case row(String id, TaskStatus status, Long completedAt) {
            rows.put(ns(WF, id), new ExecutionProgress.Row("row-" + id, status, completedAt));
            return this;
        }

        Case row(String id, TaskStatus status) {
            return row(id, status, status != null && status.isTerminal() ? 1L : null);
        }

        Case output(String id, String singleQuoted) {
            outputs.put(ns(WF, id), json(singleQuoted).toString());
            return this;
        }

        ExecutionProgress.Decision decide(boolean claimOne, String justCompleted) {
            ExecutionProgress.Contexts contexts = new ExecutionProgress.Contexts() {
                @Override
                public ObjectNode initial() {
                    reads.add("initial");
                    return initial.deepCopy();
                }

                @Override
                public Map<String, String> outputs(List<String> taskNames) {
                    reads.add(String.join(",", taskNames.stream().map(n -> n.substring(n.lastIndexOf(':') + 1)).toList()));
                    Map<String, String> found = new LinkedHashMap<>();
                    taskNames.stream().filter(outputs::containsKey).forEach(n -> found.put(n, outputs.get(n)));
                    return found;
                }
            };
            return ExecutionProgress.decide(builder.build(), rows, contexts, claimOne,
                    justCompleted == null ? null : ns(WF, justCompleted));
        }

        ExecutionProgress.Decision decide() {
            return decide(false, null);
        }
    }

    private static List<String> ids(List<String> names) {
        return names.stream().map(n -> n.substring(n.lastIndexOf(':') + 1)).toList();
    }

    private static List<String> skippedIds(ExecutionProgress.Decision decision) {
        return ids(decision.skipped().stream().map(ExecutionProgress.Skip::taskName).toList());
    }

    // ---- readiness ----------------------------------------------------------------------------------

    @Test
    void a_chain_readies_only_the_task_after_the_one_that_ended() {
        Case c = new Case().task("a").task("b", "a").task("c", "b")
                .row("a", Completed).row("b", NotStarted).row("c", NotStarted);
        ExecutionProgress.Decision d = c.decide();
        assertEquals(List.of("b"), ids(d.ready()));
        assertNull(d.claim());
        assertNull(d.ending());
        assertTrue(c.reads.isEmpty(), "plain rules read no context: " + c.reads);
    }

    @Test
    void the_finishing_worker_claims_the_first_ready_task_in_topological_order_and_the_rest_are_ready() {
        Case c = new Case().task("a").task("b", "a").task("c", "a").task("d", "a")
                .row("a", Completed).row("b", NotStarted).row("c", NotStarted).row("d", NotStarted);
        ExecutionProgress.Decision d = c.decide(true, "a");
        assertEquals(ns(WF, "b"), d.claim());
        assertEquals(List.of("c", "d"), ids(d.ready()));
    }

    @Test
    void nothing_to_claim_when_nothing_became_ready() {
        Case c = new Case().task("a").task("b", "a").row("a", Running).row("b", NotStarted);
        ExecutionProgress.Decision d = c.decide(true, null);
        assertNull(d.claim());
        assertEquals(List.of(), d.ready());
        assertNull(d.ending());
    }

    @Test
    void a_fan_in_waits_for_every_dependency_to_end() {
        Case c = new Case().task("a").task("b").task("j", "a", "b")
                .row("a", Completed).row("b", Running).row("j", NotStarted);
        assertEquals(List.of(), c.decide().ready());
        c.row("b", Completed);
        assertEquals(List.of("j"), ids(c.decide().ready()));
    }

    @Test
    void a_fan_in_moves_past_a_skipped_dependency() {
        Case c = new Case().task("a").task("b", TriggerRule.taskFailed("a"), "a").task("c", "a").task("j", "b", "c")
                .row("a", Completed).row("b", NotStarted).row("c", Completed).row("j", NotStarted);
        ExecutionProgress.Decision d = c.decide();
        assertEquals(List.of("b"), skippedIds(d));
        assertEquals(List.of("j"), ids(d.ready()), "the skip is seen by the tasks after it at once");
    }

    @Test
    void a_failed_dependency_still_readies_a_task_under_the_default_rule() {
        Case c = new Case().task("a").task("b", "a").row("a", Failed).row("b", NotStarted);
        assertEquals(List.of("b"), ids(c.decide().ready()));
    }

    @Test
    void rows_that_are_not_waiting_are_left_alone() {
        Case c = new Case().task("a").task("b").task("c", "a", "b")
                .row("a", Ready).row("b", Running).row("c", NotStarted);
        ExecutionProgress.Decision d = c.decide(true, null);
        assertEquals(List.of(), d.ready());
        assertNull(d.claim());
        assertEquals(List.of(), d.skipped());
    }

    @Test
    void a_dependency_without_a_row_counts_as_ended() {
        Case c = new Case().task("a").task("b", "a").row("b", NotStarted);
        assertEquals(List.of("b"), ids(c.decide().ready()));
    }

    @Test
    void a_status_this_engine_does_not_know_holds_back_its_dependents_and_the_end() {
        Case c = new Case().task("a").task("b", "a").row("a", null).row("b", NotStarted);
        ExecutionProgress.Decision d = c.decide();
        assertEquals(List.of(), d.ready());
        assertNull(d.ending());
    }

    // ---- trigger rules ------------------------------------------------------------------------------

    @Test
    void task_success_runs_after_success_and_skips_after_failure_with_its_reason() {
        Case ok = new Case().task("a").task("b", TriggerRule.taskSuccess("a"), "a").row("a", Completed).row("b", NotStarted);
        assertEquals(List.of("b"), ids(ok.decide().ready()));

        Case failed = new Case().task("a").task("b", TriggerRule.taskSuccess("a"), "a")
                .row("a", Failed).row("b", NotStarted);
        ExecutionProgress.Decision d = failed.decide();
        assertEquals(List.of("b"), skippedIds(d));
        String reason = d.skipped().get(0).reason();
        assertTrue(reason.startsWith("skipped: ") && reason.contains("task_success"), reason);
    }

    @Test
    void task_failed_and_task_skipped_look_at_the_named_tasks_outcome() {
        Case c = new Case().task("a").task("s", TriggerRule.taskFailed("a"), "a")
                .task("f", TriggerRule.taskFailed("a"), "a")
                .task("k", TriggerRule.taskSkipped("s"), "s")
                .row("a", Failed).row("s", NotStarted).row("f", NotStarted).row("k", NotStarted);
        ExecutionProgress.Decision d = c.decide();
        assertEquals(List.of("s", "f"), ids(d.ready()));

        Case skipping = new Case().task("a").task("s", TriggerRule.taskFailed("a"), "a")
                .task("k", TriggerRule.taskSkipped("s"), "s").row("a", Completed).row("s", NotStarted)
                .row("k", NotStarted);
        ExecutionProgress.Decision e = skipping.decide();
        assertEquals(List.of("s"), skippedIds(e));
        assertEquals(List.of("k"), ids(e.ready()), "task_skipped holds once s is skipped in the same step");
    }

    @Test
    void all_any_and_none_combine_their_rules() {
        TriggerRule aOk = TriggerRule.taskSuccess("a");
        TriggerRule bOk = TriggerRule.taskSuccess("b");
        Case c = new Case().task("a").task("b")
                .task("all", TriggerRule.allOf(aOk, bOk), "a", "b")
                .task("any", TriggerRule.anyOf(aOk, bOk), "a", "b")
                .task("none", TriggerRule.noneOf(aOk, bOk), "a", "b")
                .task("nobody", TriggerRule.noneOf(aOk), "a", "b")
                .row("a", Completed).row("b", Failed)
                .row("all", NotStarted).row("any", NotStarted).row("none", NotStarted).row("nobody", NotStarted);
        ExecutionProgress.Decision d = c.decide();
        assertEquals(List.of("any"), ids(d.ready()));
        assertEquals(List.of("all", "none", "nobody"), skippedIds(d));
    }

    @Test
    void a_context_rule_reads_the_merged_outputs_of_its_dependencies_and_only_then() {
        TriggerRule big = TriggerRule.contextValue("n", Operator.GREATER_THAN, IntNode.valueOf(5));
        Case c = new Case().task("a").task("b").task("c", big, "a", "b")
                .row("a", Completed).row("b", Completed).row("c", NotStarted)
                .output("a", "{'n': 1}").output("b", "{'n': 9}");
        assertEquals(List.of("c"), ids(c.decide().ready()), "the later dependency's value wins the merge");
        assertEquals(List.of("a,b"), c.reads);

        c.output("b", "{'m': 9}");
        ExecutionProgress.Decision d = c.decide();
        assertEquals(List.of("c"), skippedIds(d));
        assertEquals(json("{'n': 1, 'm': 9}"), d.skipped().get(0).output(), "a skipped task's output is its input");
    }

    @Test
    void a_root_under_a_context_rule_reads_the_initial_context() {
        Case c = new Case().task("r", TriggerRule.contextValue("mode", Operator.EQUALS, TextNode.valueOf("full")))
                .row("r", NotStarted);
        c.initial = json("{'mode': 'full'}");
        assertEquals(List.of("r"), ids(c.decide().ready()));
        c.initial = json("{'mode': 'quick'}");
        ExecutionProgress.Decision d = c.decide();
        assertEquals(List.of("r"), skippedIds(d));
        assertEquals(json("{'mode': 'quick'}"), d.skipped().get(0).output());
        assertEquals(ExecutionStatus.Completed, d.ending().status(), "a workflow whose only task skipped has ended");
        assertNull(d.ending().finalContextTask(), "nothing completed: the initial context is the final one");
    }

    @Test
    void a_skipped_tasks_output_carries_the_context_on_to_a_rule_after_it() {
        TriggerRule flagged = TriggerRule.contextValue("flag", Operator.EXISTS, null);
        Case c = new Case().task("a").task("s", TriggerRule.taskFailed("a"), "a").task("t", flagged, "s")
                .row("a", Completed).row("s", NotStarted).row("t", NotStarted).output("a", "{'flag': true}");
        ExecutionProgress.Decision d = c.decide();
        assertEquals(List.of("s"), skippedIds(d));
        assertEquals(List.of("t"), ids(d.ready()), "t saw s's output, decided in the same step, not a stored one");
    }

    // ---- the end ------------------------------------------------------------------------------------

    @Test
    void an_execution_ends_completed_with_the_just_completed_tasks_output() {
        Case c = new Case().task("a").task("b", "a").row("a", Completed, 5L).row("b", Completed, 9L);
        ExecutionProgress.Decision d = c.decide(true, "b");
        assertEquals(new ExecutionProgress.Ending(ExecutionStatus.Completed, null, ns(WF, "b")), d.ending());
        assertNull(d.claim());
    }

    @Test
    void an_execution_with_a_failed_task_fails_counting_every_outcome() {
        Case c = new Case().task("a").task("b").task("s", TriggerRule.taskSuccess("b"), "b").task("c")
                .row("a", Completed, 7L).row("c", Completed, 3L).row("b", Failed, 8L).row("s", NotStarted);
        ExecutionProgress.Decision d = c.decide();
        assertEquals(List.of("s"), skippedIds(d));
        assertEquals(ExecutionStatus.Failed, d.ending().status());
        assertEquals("1 task(s) failed, 2 completed, 1 skipped", d.ending().error());
        assertEquals(ns(WF, "a"), d.ending().finalContextTask(), "the latest completion, as no task completed now");
    }

    @Test
    void skipped_tasks_fail_nothing() {
        Case c = new Case().task("a").task("s", TriggerRule.taskFailed("a"), "a")
                .row("a", Completed, 1L).row("s", NotStarted);
        assertEquals(ExecutionStatus.Completed, c.decide(false, "a").ending().status());
    }

    @Test
    void the_latest_completion_breaks_ties_by_name() {
        Map<String, ExecutionProgress.Row> rows = new LinkedHashMap<>();
        rows.put("x", new ExecutionProgress.Row("1", Completed, 4L));
        rows.put("z", new ExecutionProgress.Row("2", Completed, 4L));
        rows.put("y", new ExecutionProgress.Row("3", Completed, 2L));
        rows.put("late", new ExecutionProgress.Row("4", Failed, 9L));
        assertEquals("z", ExecutionProgress.latestCompleted(rows));
        assertNull(ExecutionProgress.latestCompleted(Map.of("f", new ExecutionProgress.Row("1", Failed, 1L))));
    }
}
