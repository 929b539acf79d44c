"""@cloaca.task: argument validation, registration, and what the decorated function stays."""
import pytest

import cloaca


def build(name, *task_ids):
    builder = cloaca.WorkflowBuilder(name)
    for t in task_ids:
        builder.add_task(t)
    return builder.build()


class TestDecoratedFunction:
    def test_returns_the_original_function(self, uid):
        def original(context):
            return context

        assert cloaca.task(id=uid("a"))(original) is original

    def test_stays_directly_callable(self, uid):
        @cloaca.task(id=uid("double"))
        def double(context):
            context.set("n", context.get("n") * 2)
            return context

        ctx = double(cloaca.Context({"n": 21}))
        assert ctx.get("n") == 42

    def test_direct_call_returns_whatever_the_body_returns(self, uid):
        @cloaca.task(id=uid("plain"))
        def plain(context):
            return {"not": "a context"}

        assert plain(cloaca.Context()) == {"not": "a context"}

    def test_id_defaults_to_the_function_name(self, wf_name):
        @cloaca.task()
        def my_unique_default_named_task(context):
            return context

        wf = build(wf_name, "my_unique_default_named_task")
        assert wf.topological_sort() == [f"public::embedded::{wf_name}::my_unique_default_named_task"]

    def test_bare_decorator_without_parentheses_is_a_type_error(self):
        with pytest.raises(TypeError):
            @cloaca.task
            def oops(context):
                return context

    def test_id_must_be_a_str(self):
        with pytest.raises(TypeError, match="id must be a str"):
            cloaca.task(id=7)

    def test_decorating_a_non_callable_is_a_type_error(self, uid):
        with pytest.raises(TypeError, match="must decorate a function"):
            cloaca.task(id=uid("x"))(42)

    def test_redefining_a_task_id_replaces_the_older_one(self, uid, wf_name, runner):
        task_id = uid("again")

        @cloaca.task(id=task_id)
        def first(context):
            context.set("version", 1)
            return context

        @cloaca.task(id=task_id)
        def second(context):
            context.set("version", 2)
            return context

        cloaca.register_workflow_constructor(wf_name, lambda: build(wf_name, task_id))
        assert runner.execute(wf_name, cloaca.Context()).final_context.get("version") == 2


class TestDependencies:
    def test_string_dependencies(self, uid, wf_name):
        a, b = uid("a"), uid("b")
        cloaca.task(id=a)(lambda ctx: ctx)
        cloaca.task(id=b, dependencies=[a])(lambda ctx: ctx)
        wf = build(wf_name, a, b)
        prefix = f"public::embedded::{wf_name}::"
        assert wf.topological_sort() == [prefix + a, prefix + b]

    def test_function_reference_uses_the_decorators_id(self, uid, wf_name):
        first_id, second_id = uid("first_step"), uid("second_step")

        @cloaca.task(id=first_id)
        def extract(context):
            return context

        @cloaca.task(id=second_id, dependencies=[extract])
        def transform(context):
            return context

        wf = build(wf_name, first_id, second_id)
        prefix = f"public::embedded::{wf_name}::"
        assert wf.topological_sort() == [prefix + first_id, prefix + second_id]

    def test_function_reference_without_id_uses_its_name(self, wf_name):
        def undecorated_upstream_fn(context):
            return context

        with cloaca.WorkflowBuilder(wf_name):
            cloaca.task()(undecorated_upstream_fn)

            @cloaca.task(dependencies=[undecorated_upstream_fn])
            def downstream_fn(context):
                return context

    @pytest.mark.parametrize("bad", [42, None, 3.5, ["nested"]])
    def test_bad_dependency_element_is_a_value_error(self, bad):
        with pytest.raises(ValueError) as info:
            cloaca.task(id="x", dependencies=[bad])
        assert str(info.value) == "Dependency 0 must be either a string or a function object with __name__ attribute"

    def test_the_message_names_the_index(self):
        with pytest.raises(ValueError, match="^Dependency 2 must be either a string"):
            cloaca.task(id="x", dependencies=["a", "b", 42])

    def test_dependencies_must_be_a_list(self):
        with pytest.raises(TypeError, match="dependencies must be a list"):
            cloaca.task(id="x", dependencies="a")

    def test_decoration_never_validates_dependencies(self, uid):
        @cloaca.task(id=uid("lonely"), dependencies=["does_not_exist_anywhere"])
        def lonely(context):
            return context

    def test_missing_dependency_is_reported_when_building(self, uid, wf_name):
        lonely = uid("lonely")
        cloaca.task(id=lonely, dependencies=["ghost"])(lambda ctx: ctx)
        with pytest.raises(ValueError, match="^Failed to build workflow: Missing dependency"):
            build(wf_name, lonely)

    def test_a_dependency_may_be_declared_before_its_target(self, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="later", dependencies=["earlier"])
            def later(context):
                return context

            @cloaca.task(id="earlier")
            def earlier(context):
                return context


class TestRetryKeywords:
    def test_all_keywords_accepted(self, uid):
        cloaca.task(id=uid("r"), retry_attempts=5, retry_backoff="linear", retry_delay_ms=10,
                    retry_max_delay_ms=100, retry_condition="transient", retry_jitter=False)(lambda c: c)

    @pytest.mark.parametrize("backoff", ["fixed", "linear", "exponential"])
    def test_accepted_backoffs(self, uid, backoff):
        cloaca.task(id=uid("b"), retry_backoff=backoff)(lambda c: c)

    @pytest.mark.parametrize("condition", ["never", "transient", "all"])
    def test_accepted_conditions(self, uid, condition):
        cloaca.task(id=uid("c"), retry_condition=condition)(lambda c: c)

    def test_unknown_backoff_is_a_value_error_listing_accepted_values(self):
        with pytest.raises(ValueError) as info:
            cloaca.task(id="x", retry_backoff="sideways")
        message = str(info.value)
        assert "'sideways'" in message
        for accepted in ("fixed", "linear", "exponential"):
            assert accepted in message

    def test_unknown_condition_is_a_value_error_listing_accepted_values(self):
        with pytest.raises(ValueError) as info:
            cloaca.task(id="x", retry_condition="sometimes")
        message = str(info.value)
        assert "'sometimes'" in message
        for accepted in ("never", "transient", "all"):
            assert accepted in message

    def test_negative_attempts_is_an_overflow_error(self):
        with pytest.raises(OverflowError, match="retry_attempts"):
            cloaca.task(id="x", retry_attempts=-1)

    @pytest.mark.parametrize("name", ["retry_delay_ms", "retry_max_delay_ms"])
    def test_negative_delays_are_overflow_errors(self, name):
        with pytest.raises(OverflowError, match=name):
            cloaca.task(id="x", **{name: -5})

    def test_attempts_must_be_an_int(self):
        with pytest.raises(TypeError, match="retry_attempts"):
            cloaca.task(id="x", retry_attempts="3")

    def test_jitter_must_be_a_bool(self):
        with pytest.raises(TypeError, match="retry_jitter"):
            cloaca.task(id="x", retry_jitter="yes")

    def test_retry_policy_object(self, uid):
        policy = cloaca.RetryPolicy.builder().max_attempts(2).build()
        cloaca.task(id=uid("p"), retry=policy)(lambda c: c)

    def test_retry_policy_combined_with_keywords_is_a_value_error(self):
        policy = cloaca.RetryPolicy.default()
        with pytest.raises(ValueError, match="not both") as info:
            cloaca.task(id="x", retry=policy, retry_attempts=2, retry_jitter=False)
        assert "retry_attempts" in str(info.value)
        assert "retry_jitter" in str(info.value)
        assert str(info.value).startswith("@task(retry=RetryPolicy(...)) cannot be combined")

    def test_retry_must_be_a_retry_policy(self):
        with pytest.raises(TypeError, match="RetryPolicy"):
            cloaca.task(id="x", retry={"max_attempts": 3})


class TestCallbacks:
    @pytest.mark.parametrize("name", ["on_success", "on_failure"])
    def test_callbacks_must_be_callable(self, name):
        with pytest.raises(TypeError, match=f"{name} must be callable"):
            cloaca.task(id="x", **{name: "print"})

    def test_callables_accepted(self, uid):
        cloaca.task(id=uid("cb"), on_success=lambda *a: None, on_failure=print)(lambda c: c)
