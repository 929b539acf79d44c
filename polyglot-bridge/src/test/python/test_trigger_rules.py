"""trigger_rules= on @cloaca.task: the builders, validation when decorating, and what the engine does
with a rule (cloaca-api.md §1.13, §2.6)."""
import pytest

import cloaca
from conftest import statuses


def errors(result):
    return {t["task_id"]: t["error"] for t in result.task_results}


class TestBuilders:
    def test_shapes_are_upstreams(self):
        assert cloaca.always() == {"type": "Always"}
        assert cloaca.task_success("a") == {"type": "TaskSuccess", "task_name": "a"}
        assert cloaca.task_failed("a") == {"type": "TaskFailed", "task_name": "a"}
        assert cloaca.task_skipped("a") == {"type": "TaskSkipped", "task_name": "a"}
        assert cloaca.all_of(cloaca.always()) == {"type": "All", "conditions": [{"type": "Always"}]}
        assert cloaca.any_of() == {"type": "Any", "conditions": []}
        assert cloaca.none_of(cloaca.task_failed("x"))["type"] == "None"
        assert cloaca.context_value("k", "==", 3) == {"type": "ContextValue", "key": "k", "operator": "Equals",
                                                      "value": 3}

    @pytest.mark.parametrize("spelling,name", [
        ("equals", "Equals"), ("==", "Equals"), ("eq", "Equals"), ("EQ", "Equals"),
        ("not_equals", "NotEquals"), ("notequals", "NotEquals"), ("!=", "NotEquals"), ("ne", "NotEquals"),
        ("greater_than", "GreaterThan"), (">", "GreaterThan"), ("gt", "GreaterThan"),
        ("less_than", "LessThan"), ("<", "LessThan"), ("lt", "LessThan"),
        ("contains", "Contains"), ("not_contains", "NotContains"), ("NotContains", "NotContains"),
        ("exists", "Exists"), ("not_exists", "NotExists"), ("NOT_EXISTS", "NotExists"),
    ])
    def test_every_operator_spelling(self, spelling, name):
        assert cloaca.context_value("k", spelling, 1)["operator"] == name

    def test_unknown_operator_is_a_value_error_naming_it(self):
        with pytest.raises(ValueError, match=r"Unknown operator 'approximately': expected one of equals"):
            cloaca.context_value("k", "approximately", 1)

    def test_a_value_that_is_not_json_is_refused(self):
        with pytest.raises(TypeError, match="context_value"):
            cloaca.context_value("k", "==", object())


class TestValidationWhenDecorating:
    def test_a_rule_that_is_not_a_rule_dict(self, uid):
        with pytest.raises(ValueError, match=r"@cloaca.task\(trigger_rules=...\): invalid trigger rule for task "
                                             r"'.*_t': expected a rule dict .* got 'yes'"):
            cloaca.task(id=uid("t"), trigger_rules="yes")(lambda ctx: ctx)

    @pytest.mark.parametrize("rule,reason", [
        ({"type": "Sometimes"}, "unknown rule type 'Sometimes'"),
        ({"type": "All", "conditions": [{"kind": "x"}]}, "not a rule dict"),
        ({"type": "TaskFailed"}, "needs a non-empty string 'task_name'"),
        ({"type": "ContextValue", "key": "k", "operator": "approximately", "value": 1},
         "Unknown operator 'approximately'"),
    ])
    def test_a_malformed_rule_names_the_task_and_the_reason(self, uid, rule, reason):
        task_id = uid("bad")
        with pytest.raises(ValueError) as e:
            cloaca.task(id=task_id, trigger_rules=rule)(lambda ctx: ctx)
        assert f"task '{task_id}'" in str(e.value)
        assert reason in str(e.value)

    def test_a_rule_on_a_task_that_is_not_an_ancestor_fails_the_build(self, wf_name):
        with pytest.raises(ValueError, match="is not one of its dependencies"):
            with cloaca.WorkflowBuilder(wf_name):
                @cloaca.task(id="a")
                def a(ctx):
                    return ctx

                @cloaca.task(id="b", trigger_rules=cloaca.task_success("a"))
                def b(ctx):
                    return ctx

    def test_a_rule_changes_the_workflow_version(self, wf_name, uid):
        a, b = uid("a"), uid("b")
        cloaca.task(id=a)(lambda ctx: ctx)

        def version(rule):
            cloaca.task(id=b, dependencies=[a], trigger_rules=rule)(lambda ctx: ctx)
            builder = cloaca.WorkflowBuilder(wf_name)
            builder.add_task(a)
            builder.add_task(b)
            return builder.build().version
        assert version(None) == version(cloaca.always())
        assert version(None) != version(cloaca.task_failed(a))


class TestExecution:
    def test_a_context_value_picks_a_branch_and_the_fan_in_runs(self, runner, wf_name):
        ran = []
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="decide")
            def decide(ctx):
                ctx.set("size", len(ctx.get("items")))
                return ctx

            @cloaca.task(id="small", dependencies=["decide"], trigger_rules=cloaca.context_value("size", "<", 3))
            def small(ctx):
                ran.append("small")
                ctx.set("path", "small")
                return ctx

            @cloaca.task(id="large", dependencies=["decide"],
                         trigger_rules=cloaca.context_value("size", "gt", 2))
            def large(ctx):
                ran.append("large")
                ctx.set("path", "large")
                return ctx

            @cloaca.task(id="report", dependencies=["small", "large"])
            def report(ctx):
                ran.append("report")
                return ctx

        result = runner.execute(wf_name, cloaca.Context({"items": [1, 2, 3, 4]}))
        assert result.status == "Completed"
        assert result.error_message is None
        assert ran == ["large", "report"]
        assert statuses(result) == {"decide": "Completed", "small": "Skipped", "large": "Completed",
                                    "report": "Completed"}
        assert errors(result)["small"] == "skipped: context_value('size', '<', 3) was false"
        assert result.final_context.get("path") == "large"

    def test_short_names_resolve_inside_the_workflow(self, runner, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="work", retry_attempts=1)
            def work(ctx):
                raise RuntimeError("broken")

            @cloaca.task(id="cleanup", dependencies=["work"], trigger_rules=cloaca.task_failed("work"))
            def cleanup(ctx):
                ctx.set("cleaned", True)
                return ctx

            @cloaca.task(id="notify", dependencies=["work"],
                         trigger_rules=cloaca.all_of(cloaca.task_success("work")))
            def notify(ctx):
                return ctx

        result = runner.execute(wf_name, cloaca.Context())
        assert result.status == "Failed"
        assert result.error_message == "1 task(s) failed, 1 completed, 1 skipped"
        assert statuses(result) == {"work": "Failed", "cleanup": "Completed", "notify": "Skipped"}
        assert errors(result)["notify"] == "skipped: task_success('work') was false"

    def test_full_namespaces_still_work(self, runner, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="a")
            def a(ctx):
                return ctx

            @cloaca.task(id="b", dependencies=["a"],
                         trigger_rules=cloaca.task_success(f"public::embedded::{wf_name}::a"))
            def b(ctx):
                ctx.set("b", True)
                return ctx

        result = runner.execute(wf_name, cloaca.Context())
        assert statuses(result)["b"] == "Completed"

    def test_any_none_and_skipped_conditions(self, runner, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="gate", trigger_rules=cloaca.context_value("go", "exists"))
            def gate(ctx):
                return ctx

            @cloaca.task(id="fallback", dependencies=["gate"], trigger_rules=cloaca.task_skipped("gate"))
            def fallback(ctx):
                ctx.set("fallback", True)
                return ctx

            @cloaca.task(id="either", dependencies=["gate", "fallback"],
                         trigger_rules=cloaca.any_of(cloaca.task_success("gate"), cloaca.task_success("fallback")))
            def either(ctx):
                ctx.set("either", True)
                return ctx

            @cloaca.task(id="never", dependencies=["either"],
                         trigger_rules=cloaca.none_of(cloaca.task_success("either")))
            def never(ctx):
                return ctx

        result = runner.execute(wf_name, cloaca.Context({"tag": "x"}))
        assert result.status == "Completed"
        assert statuses(result) == {"gate": "Skipped", "fallback": "Completed", "either": "Completed",
                                    "never": "Skipped"}
        assert errors(result)["never"] == "skipped: task_success('either') was true"
        assert result.final_context.get("either") is True
        assert result.final_context.get("tag") == "x", "a skipped root passes the initial context on"


class TestCallbacksWithRules:
    def test_callbacks_are_not_called_for_a_skipped_task(self, runner, wf_name):
        calls = []
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="a")
            def a(ctx):
                return ctx

            @cloaca.task(id="skipped", dependencies=["a"], trigger_rules=cloaca.task_failed("a"),
                         on_success=lambda *args: calls.append(("success",) + args[:1]),
                         on_failure=lambda *args: calls.append(("failure",) + args[:1]))
            def skipped(ctx):
                return ctx

            @cloaca.task(id="ran", dependencies=["a"], trigger_rules=cloaca.task_success("a"),
                         on_success=lambda task_id, ctx: calls.append(("success", task_id)))
            def ran(ctx):
                return ctx

        result = runner.execute(wf_name, cloaca.Context())
        assert statuses(result)["skipped"] == "Skipped"
        assert calls == [("success", "ran")]

    def test_a_retried_task_is_judged_on_its_final_outcome(self, runner, wf_name):
        attempts = []
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="flaky", retry_attempts=3, retry_delay_ms=10, retry_backoff="fixed", retry_jitter=False,
                         retry_condition="all")
            def flaky(ctx):
                attempts.append(1)
                if len(attempts) < 3:
                    raise RuntimeError("not yet")
                return ctx

            @cloaca.task(id="on_fail", dependencies=["flaky"], trigger_rules=cloaca.task_failed("flaky"))
            def on_fail(ctx):
                return ctx

        result = runner.execute(wf_name, cloaca.Context())
        assert len(attempts) == 3
        assert statuses(result) == {"flaky": "Completed", "on_fail": "Skipped"}
