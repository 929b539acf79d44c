package io.cloaca.engine.workflow;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.cloaca.engine.CloacaException;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.workflow.TriggerRule.Operator;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.cloaca.engine.TestSupport.assertCloaca;
import static io.cloaca.engine.TestSupport.json;
import static io.cloaca.engine.TestSupport.ns;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rule model: operators and their spellings, JSON form, evaluation, resolution (reference §2.6). */
class TriggerRuleTest {

    private static boolean eval(TriggerRule rule, Map<String, String> statuses, String context) {
        return rule.evaluate(new TriggerRule.Facts(statuses::get, json(context)));
    }

    private static TriggerRule cv(String key, String op, Object value) {
        return TriggerRule.contextValue(key, Operator.parse(op), Context.JSON.valueToTree(value));
    }

    @Test
    void every_operator_spelling_is_accepted_case_and_underscore_insensitively() {
        Map<Operator, List<String>> spellings = Map.of(
                Operator.EQUALS, List.of("equals", "==", "eq", "EQUALS", "Equals"),
                Operator.NOT_EQUALS, List.of("not_equals", "notequals", "!=", "ne", "NotEquals"),
                Operator.GREATER_THAN, List.of("greater_than", ">", "gt", "GreaterThan"),
                Operator.LESS_THAN, List.of("less_than", "<", "lt", "LESS_THAN"),
                Operator.CONTAINS, List.of("contains", "Contains"),
                Operator.NOT_CONTAINS, List.of("not_contains", "NotContains"),
                Operator.EXISTS, List.of("exists"),
                Operator.NOT_EXISTS, List.of("not_exists", "NOTEXISTS"));
        spellings.forEach((op, names) -> names.forEach(n -> assertEquals(op, Operator.parse(n), n)));
        CloacaException e = assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> Operator.parse("approximately"));
        assertTrue(e.getMessage().contains("'approximately'") && e.getMessage().contains("greater_than"),
                e.getMessage());
    }

    @Test
    void operators_follow_upstream_semantics() {
        String ctx = "{'n': 5, 'f': 2.5, 's': 'hello world', 'list': ['a', 1], 'flag': true}";
        Map<String, String> none = Map.of();
        assertTrue(eval(cv("n", "==", 5), none, ctx));
        assertTrue(eval(cv("n", "==", 5.0), none, ctx));
        assertFalse(eval(cv("n", "==", "5"), none, ctx));
        assertTrue(eval(cv("missing", "!=", 1), none, ctx));
        assertTrue(eval(cv("n", ">", 4), none, ctx));
        assertFalse(eval(cv("n", ">", 5), none, ctx));
        assertTrue(eval(cv("f", "<", 3), none, ctx));
        assertFalse(eval(cv("s", ">", 1), none, ctx), "numeric comparisons need two numbers");
        assertTrue(eval(cv("s", "contains", "lo wo"), none, ctx));
        assertTrue(eval(cv("list", "contains", 1), none, ctx));
        assertFalse(eval(cv("list", "contains", "b"), none, ctx));
        assertTrue(eval(cv("list", "not_contains", "b"), none, ctx));
        assertTrue(eval(cv("flag", "exists", null), none, ctx));
        assertTrue(eval(cv("nope", "not_exists", null), none, ctx));
        assertFalse(eval(cv("nope", "exists", null), none, ctx));
    }

    @Test
    void composites_and_task_conditions_evaluate_and_explain() {
        Map<String, String> statuses = Map.of("a", "Completed", "b", "Failed", "c", "Skipped");
        assertTrue(eval(TriggerRule.allOf(), statuses, "{}"));
        assertFalse(eval(TriggerRule.anyOf(), statuses, "{}"));
        assertTrue(eval(TriggerRule.noneOf(), statuses, "{}"));
        assertTrue(eval(TriggerRule.allOf(TriggerRule.taskSuccess("a"), TriggerRule.taskFailed("b"),
                TriggerRule.taskSkipped("c")), statuses, "{}"));
        TriggerRule rule = TriggerRule.allOf(TriggerRule.taskSuccess("a"), cv("mode", "eq", "fast"));
        TriggerRule.Facts facts = new TriggerRule.Facts(statuses::get, json("{'mode': 'slow'}"));
        assertFalse(rule.evaluate(facts));
        assertEquals("context_value('mode', '==', 'fast') was false", rule.whyFalse(facts));
        TriggerRule none = TriggerRule.noneOf(TriggerRule.taskFailed("b"));
        assertEquals("task_failed('b') was true", none.whyFalse(facts));
    }

    @Test
    void json_form_is_upstreams_and_round_trips() {
        TriggerRule rule = TriggerRule.anyOf(TriggerRule.taskFailed("x"), cv("k", "gt", 3),
                TriggerRule.noneOf(TriggerRule.ALWAYS));
        ObjectNode expected = json("{'type': 'Any', 'conditions': [{'type': 'TaskFailed', 'task_name': 'x'},"
                + " {'type': 'ContextValue', 'key': 'k', 'operator': 'GreaterThan', 'value': 3},"
                + " {'type': 'None', 'conditions': [{'type': 'Always'}]}]}");
        assertEquals(expected, rule.toJson());
        assertEquals(rule, TriggerRule.fromJson(expected));
        for (String bad : List.of("{'type': 'Sometimes'}", "{'kind': 'All'}", "{'type': 'All'}",
                "{'type': 'TaskSuccess'}", "{'type': 'ContextValue', 'key': 'k', 'operator': 'approximately'}")) {
            assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> TriggerRule.fromJson(json(bad)));
        }
        assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> TriggerRule.fromJson(TextNode.valueOf("yes")));
        assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> TriggerRule.fromJson(IntNode.valueOf(1)));
    }

    @Test
    void short_names_resolve_inside_the_workflow_and_must_be_ancestors() {
        TaskBody noop = ctx -> ctx;
        Workflow wf = Workflow.builder("w")
                .task("a", noop)
                .task("b", List.of("a"), noop)
                .task("c", List.of("b"), io.cloaca.engine.retry.RetryPolicy.DEFAULT,
                        TriggerRule.allOf(TriggerRule.taskSuccess("a"), TriggerRule.taskFailed(ns("w", "b"))), noop)
                .build();
        assertEquals(TriggerRule.allOf(TriggerRule.taskSuccess(ns("w", "a")), TriggerRule.taskFailed(ns("w", "b"))),
                wf.task(TaskNamespace.embedded("w", "c")).triggerRule());

        CloacaException notAncestor = assertCloaca(CloacaException.Kind.INVALID_WORKFLOW, () -> Workflow.builder("w")
                .task("a", noop).task("b", List.of(), io.cloaca.engine.retry.RetryPolicy.DEFAULT,
                        TriggerRule.taskSuccess("a"), noop).build());
        assertTrue(notAncestor.getMessage().contains("is not one of its dependencies"), notAncestor.getMessage());
        CloacaException unknown = assertCloaca(CloacaException.Kind.INVALID_WORKFLOW, () -> Workflow.builder("w")
                .task("a", noop).task("b", List.of("a"), io.cloaca.engine.retry.RetryPolicy.DEFAULT,
                        TriggerRule.taskSuccess("ghost"), noop).build());
        assertTrue(unknown.getMessage().contains("'public::embedded::w::ghost', which is not part of workflow 'w'"),
                unknown.getMessage());
    }

    @Test
    void a_rule_changes_the_workflow_version_but_no_rule_keeps_it() {
        TaskBody noop = ctx -> ctx;
        Workflow plain = Workflow.builder("v").task("a", noop).task("b", List.of("a"), noop).build();
        Workflow always = Workflow.builder("v").task("a", noop).task("b", List.of("a"),
                io.cloaca.engine.retry.RetryPolicy.DEFAULT, TriggerRule.ALWAYS, noop).build();
        Workflow ruled = Workflow.builder("v").task("a", noop).task("b", List.of("a"),
                io.cloaca.engine.retry.RetryPolicy.DEFAULT, TriggerRule.taskFailed("a"), noop).build();
        assertEquals(plain.version(), always.version());
        assertNotEquals(plain.version(), ruled.version());
    }
}
