"""TaskNamespace, WorkflowContext, RetryPolicy and its builder, BackoffStrategy, RetryCondition."""
import pytest

import cloaca


class TestTaskNamespace:
    def test_properties(self):
        ns = cloaca.TaskNamespace("t", "p", "w", "task")
        assert (ns.tenant_id, ns.package_name, ns.workflow_id, ns.task_id) == ("t", "p", "w", "task")

    def test_str_and_repr(self):
        ns = cloaca.TaskNamespace("public", "embedded", "etl", "load")
        assert str(ns) == "public::embedded::etl::load"
        assert repr(ns) == "TaskNamespace('public', 'embedded', 'etl', 'load')"

    def test_from_string_round_trip(self):
        ns = cloaca.TaskNamespace.from_string("public::embedded::etl::load")
        assert ns == cloaca.TaskNamespace("public", "embedded", "etl", "load")
        assert str(ns) == "public::embedded::etl::load"

    @pytest.mark.parametrize("text", ["a::b::c", "a::b::c::d::e", "", "just_a_task"])
    def test_from_string_bad_format(self, text):
        with pytest.raises(ValueError) as info:
            cloaca.TaskNamespace.from_string(text)
        assert str(info.value) == (f"Invalid namespace format: Invalid namespace format '{text}'. "
                                   "Expected 'tenant::package::workflow::task'")

    def test_parent(self):
        parent = cloaca.TaskNamespace("t", "p", "w", "x").parent()
        assert parent == cloaca.TaskNamespace("t", "p", "w", "")

    def test_is_child_of(self):
        child = cloaca.TaskNamespace("t", "p", "w", "x")
        assert child.is_child_of(child.parent())
        assert not child.is_child_of(child)
        assert not child.parent().is_child_of(child.parent())
        assert not child.is_child_of(cloaca.TaskNamespace("t", "p", "other", ""))

    def test_is_sibling_of(self):
        x = cloaca.TaskNamespace("t", "p", "w", "x")
        y = cloaca.TaskNamespace("t", "p", "w", "y")
        assert x.is_sibling_of(y) and y.is_sibling_of(x)
        assert not x.is_sibling_of(x)
        assert not x.is_sibling_of(x.parent())
        assert not x.is_sibling_of(cloaca.TaskNamespace("other", "p", "w", "y"))

    def test_equality_and_hash(self):
        a = cloaca.TaskNamespace("t", "p", "w", "x")
        b = cloaca.TaskNamespace.from_string("t::p::w::x")
        assert a == b and hash(a) == hash(b)
        assert a != cloaca.TaskNamespace("t", "p", "w", "y")
        assert a != "t::p::w::x"
        assert len({a, b}) == 1

    def test_parts_must_be_str(self):
        with pytest.raises(TypeError):
            cloaca.TaskNamespace("t", "p", "w", 1)

    def test_all_parts_required(self):
        with pytest.raises(TypeError):
            cloaca.TaskNamespace("t", "p", "w")


class TestWorkflowContext:
    def test_properties_str_repr(self):
        wc = cloaca.WorkflowContext("public", "embedded", "etl")
        assert (wc.tenant_id, wc.package_name, wc.workflow_id) == ("public", "embedded", "etl")
        assert str(wc) == "public::embedded::etl"
        assert repr(wc) == "WorkflowContext('public', 'embedded', 'etl')"

    def test_namespaces(self):
        wc = cloaca.WorkflowContext("t", "p", "w")
        assert wc.task_namespace("x") == cloaca.TaskNamespace("t", "p", "w", "x")
        assert wc.resolve_dependency("y") == cloaca.TaskNamespace("t", "p", "w", "y")
        assert wc.workflow_namespace() == cloaca.TaskNamespace("t", "p", "w", "")

    def test_contains_namespace(self):
        wc = cloaca.WorkflowContext("t", "p", "w")
        assert wc.contains_namespace(cloaca.TaskNamespace("t", "p", "w", "x"))
        assert not wc.contains_namespace(cloaca.TaskNamespace("t", "p", "v", "x"))

    def test_equality(self):
        assert cloaca.WorkflowContext("t", "p", "w") == cloaca.WorkflowContext("t", "p", "w")
        assert cloaca.WorkflowContext("t", "p", "w") != cloaca.WorkflowContext("t", "p", "x")


class TestRetryPolicy:
    def test_default(self):
        p = cloaca.RetryPolicy.default()
        assert p.max_attempts == 3
        assert p.initial_delay == 1.0
        assert p.max_delay == 60.0
        assert p.with_jitter is True

    def test_repr(self):
        assert repr(cloaca.RetryPolicy.default()) == (
            "RetryPolicy(max_attempts=3, initial_delay=1s, max_delay=60s, jitter=true)")
        p = cloaca.RetryPolicy.builder().initial_delay(0.5).with_jitter(False).build()
        assert repr(p) == "RetryPolicy(max_attempts=3, initial_delay=0.5s, max_delay=60s, jitter=false)"

    def test_no_public_constructor(self):
        with pytest.raises(TypeError):
            cloaca.RetryPolicy()
        with pytest.raises(TypeError):
            cloaca.RetryPolicyBuilder()

    def test_builder_sets_every_field(self):
        p = (cloaca.RetryPolicy.builder().max_attempts(5).initial_delay(2.0).max_delay(30.0)
             .backoff_strategy(cloaca.BackoffStrategy.fixed()).retry_condition(cloaca.RetryCondition.never())
             .with_jitter(False).build())
        assert (p.max_attempts, p.initial_delay, p.max_delay, p.with_jitter) == (5, 2.0, 30.0, False)

    def test_builder_unset_fields_keep_defaults(self):
        p = cloaca.RetryPolicy.builder().max_attempts(7).build()
        assert (p.max_attempts, p.initial_delay, p.max_delay, p.with_jitter) == (7, 1.0, 60.0, True)

    def test_builder_is_immutable(self):
        base = cloaca.RetryPolicy.builder()
        changed = base.max_attempts(9)
        assert changed is not base
        assert base.build().max_attempts == 3
        assert changed.build().max_attempts == 9

    def test_builder_argument_checks(self):
        builder = cloaca.RetryPolicy.builder()
        with pytest.raises(OverflowError):
            builder.max_attempts(-1)
        with pytest.raises(TypeError):
            builder.backoff_strategy("fixed")
        with pytest.raises(TypeError):
            builder.retry_condition("never")
        with pytest.raises(TypeError):
            builder.with_jitter("yes")

    def test_should_retry(self):
        p = cloaca.RetryPolicy.builder().max_attempts(3).build()
        assert p.should_retry(1, "any") and p.should_retry(2, "any")
        assert not p.should_retry(3, "any")

    @staticmethod
    def policy(strategy, initial=1.0, maximum=60.0, jitter=False):
        return (cloaca.RetryPolicy.builder().backoff_strategy(strategy).initial_delay(initial).max_delay(maximum)
                .with_jitter(jitter).build())

    def test_fixed_delay(self):
        p = self.policy(cloaca.BackoffStrategy.fixed(), initial=0.5)
        assert [p.calculate_delay(a) for a in (1, 2, 5)] == [0.5, 0.5, 0.5]

    def test_linear_delay(self):
        p = self.policy(cloaca.BackoffStrategy.linear(2.0), initial=0.5)
        assert [p.calculate_delay(a) for a in (1, 2, 3)] == [1.0, 2.0, 3.0]

    def test_exponential_delay(self):
        p = self.policy(cloaca.BackoffStrategy.exponential(3.0, 2.0), initial=1.0)
        assert [p.calculate_delay(a) for a in (1, 2, 3)] == [2.0, 6.0, 18.0]

    def test_delay_is_capped(self):
        p = self.policy(cloaca.BackoffStrategy.exponential(2.0, 1.0), initial=1.0, maximum=5.0)
        assert p.calculate_delay(10) == 5.0

    def test_jitter_stays_within_25_percent_of_the_capped_delay(self):
        p = self.policy(cloaca.BackoffStrategy.exponential(2.0, 1.0), initial=1.0, maximum=4.0, jitter=True)
        for attempt in (1, 2, 3, 8):
            expected = min(2.0 ** (attempt - 1), 4.0)
            for _ in range(20):
                assert 0.75 * expected <= p.calculate_delay(attempt) <= 1.25 * expected


class TestBackoffStrategy:
    def test_reprs(self):
        assert repr(cloaca.BackoffStrategy.fixed()) == "BackoffStrategy.Fixed"
        assert repr(cloaca.BackoffStrategy.linear(2)) == "BackoffStrategy.Linear(multiplier=2)"
        assert repr(cloaca.BackoffStrategy.linear(None)) == "BackoffStrategy.Linear(multiplier=1)"
        assert repr(cloaca.BackoffStrategy.exponential(2, 1)) == "BackoffStrategy.Exponential(base=2, multiplier=1)"
        assert repr(cloaca.BackoffStrategy.exponential(1.5, None)) == (
            "BackoffStrategy.Exponential(base=1.5, multiplier=1)")

    def test_no_constructor(self):
        with pytest.raises(TypeError):
            cloaca.BackoffStrategy()


class TestRetryCondition:
    def test_reprs(self):
        assert repr(cloaca.RetryCondition.never()) == "RetryCondition.Never"
        assert repr(cloaca.RetryCondition.transient_only()) == "RetryCondition.TransientOnly"
        assert repr(cloaca.RetryCondition.all_errors()) == "RetryCondition.AllErrors"
        assert repr(cloaca.RetryCondition.error_pattern(["timeout", "503"])) == (
            "RetryCondition.ErrorPattern(patterns=['timeout', '503'])")

    def test_error_pattern_needs_a_list_of_str(self):
        with pytest.raises(TypeError):
            cloaca.RetryCondition.error_pattern("timeout")
        with pytest.raises(TypeError):
            cloaca.RetryCondition.error_pattern([1])

    def test_no_constructor(self):
        with pytest.raises(TypeError):
            cloaca.RetryCondition()
