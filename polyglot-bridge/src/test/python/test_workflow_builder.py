"""WorkflowBuilder (both styles), Workflow, and register_workflow_constructor."""
import re

import pytest

import cloaca
from conftest import UnprintableError


def ns(wf, task):
    return f"public::embedded::{wf}::{task}"


def noop(context):
    return context


@pytest.fixture
def chain(uid):
    """Three loose tasks a -> b -> c; returns their ids."""
    a, b, c = uid("a"), uid("b"), uid("c")
    cloaca.task(id=a)(noop)
    cloaca.task(id=b, dependencies=[a])(noop)
    cloaca.task(id=c, dependencies=[b])(noop)
    return a, b, c


def build_chain(name, chain, description=None, tags=()):
    builder = cloaca.WorkflowBuilder(name)
    if description is not None:
        builder.description(description)
    for k, v in tags:
        builder.tag(k, v)
    for t in chain:
        builder.add_task(t)
    return builder.build()


class TestBuilderStyle:
    def test_build_a_chain(self, wf_name, chain):
        wf = build_chain(wf_name, chain)
        assert isinstance(wf, cloaca.Workflow)
        assert wf.name == wf_name
        assert wf.topological_sort() == [ns(wf_name, t) for t in chain]

    def test_add_task_by_function_reference(self, wf_name, uid):
        task_id = uid("by_ref")

        @cloaca.task(id=task_id)
        def some_function(context):
            return context

        builder = cloaca.WorkflowBuilder(wf_name)
        builder.add_task(some_function)
        assert builder.build().topological_sort() == [ns(wf_name, task_id)]

    def test_add_unknown_task(self, wf_name):
        with pytest.raises(ValueError) as info:
            cloaca.WorkflowBuilder(wf_name).add_task("x_never_defined")
        assert str(info.value) == ("Task 'x_never_defined' not found in registry. "
                                   "Make sure it was decorated with @task.")

    @pytest.mark.parametrize("bad", [123, None, 4.5])
    def test_add_task_of_wrong_type(self, wf_name, bad):
        with pytest.raises(ValueError) as info:
            cloaca.WorkflowBuilder(wf_name).add_task(bad)
        assert str(info.value) == ("Task must be either a string task ID or a function object "
                                   "with __name__ attribute")

    def test_add_task_twice(self):
        cloaca.task(id="t")(noop)
        builder = cloaca.WorkflowBuilder("wf")
        builder.add_task("t")
        with pytest.raises(ValueError) as info:
            builder.add_task("t")
        assert str(info.value) == "Failed to add task: Duplicate task: public::embedded::wf::t"

    def test_build_empty(self, wf_name):
        with pytest.raises(ValueError) as info:
            cloaca.WorkflowBuilder(wf_name).build()
        assert str(info.value) == "Failed to build workflow: Workflow cannot be empty"

    def test_build_with_missing_dependency(self, wf_name, chain):
        builder = cloaca.WorkflowBuilder(wf_name)
        builder.add_task(chain[1])
        with pytest.raises(ValueError) as info:
            builder.build()
        assert str(info.value) == (f"Failed to build workflow: Missing dependency: task '{ns(wf_name, chain[1])}' "
                                   f"depends on '{ns(wf_name, chain[0])}' which is not registered")

    def test_build_with_a_cycle(self, wf_name, uid):
        x, y, z = uid("x"), uid("y"), uid("z")
        cloaca.task(id=x, dependencies=[z])(noop)
        cloaca.task(id=y, dependencies=[x])(noop)
        cloaca.task(id=z, dependencies=[y])(noop)
        builder = cloaca.WorkflowBuilder(wf_name)
        for t in (x, y, z):
            builder.add_task(t)
        with pytest.raises(ValueError, match=r"^Failed to build workflow: Circular dependency detected: \[") as info:
            builder.build()
        listed = re.findall(r'"([^"]+)"', str(info.value))
        assert set(listed) == {ns(wf_name, t) for t in (x, y, z)}
        assert listed[0] == listed[-1]

    def test_self_dependency_is_a_cycle(self, wf_name, uid):
        me = uid("me")
        cloaca.task(id=me, dependencies=[me])(noop)
        builder = cloaca.WorkflowBuilder(wf_name)
        builder.add_task(me)
        with pytest.raises(ValueError, match="Circular dependency detected"):
            builder.build()

    def test_build_does_not_register(self, wf_name, chain, runner):
        build_chain(wf_name, chain)
        with pytest.raises(ValueError, match="Workflow not found in registry"):
            runner.execute(wf_name, cloaca.Context())

    def test_description_tag_and_add_task_return_none(self, wf_name, chain):
        builder = cloaca.WorkflowBuilder(wf_name)
        assert builder.description("d") is None
        assert builder.tag("k", "v") is None
        assert builder.add_task(chain[0]) is None

    def test_description(self, wf_name, chain):
        assert build_chain(wf_name, chain, description="Nightly load").description == "Nightly load"
        assert build_chain(wf_name, chain).description == ""

    def test_tenant_changes_namespaces(self, wf_name, uid):
        task_id = uid("tenanted")
        cloaca.task(id=task_id)(noop)
        builder = cloaca.WorkflowBuilder(wf_name, tenant="acme")
        builder.add_task(task_id)
        assert builder.build().topological_sort() == [f"acme::embedded::{wf_name}::{task_id}"]

    def test_name_must_be_a_str(self):
        with pytest.raises(TypeError):
            cloaca.WorkflowBuilder(None)

    def test_repr(self):
        assert repr(cloaca.WorkflowBuilder("orders")) == "WorkflowBuilder(name='orders')"


class TestContextManagerStyle:
    def test_registers_on_exit(self, wf_name, runner):
        with cloaca.WorkflowBuilder(wf_name) as builder:
            assert isinstance(builder, cloaca.WorkflowBuilder)

            @cloaca.task(id="hello")
            def hello(context):
                context.set("greeting", "hi")
                return context

        result = runner.execute(wf_name, cloaca.Context())
        assert result.status == "Completed"
        assert result.final_context.get("greeting") == "hi"

    def test_not_registered_before_exit(self, wf_name, runner):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="hello")
            def hello(context):
                return context

            with pytest.raises(ValueError, match="Workflow not found in registry"):
                runner.execute(wf_name, cloaca.Context())

    def test_empty_block(self, wf_name):
        with pytest.raises(ValueError) as info:
            with cloaca.WorkflowBuilder(wf_name):
                pass
        assert str(info.value) == "Workflow validation failed: Workflow cannot be empty"

    def test_missing_dependency(self, wf_name):
        with pytest.raises(ValueError) as info:
            with cloaca.WorkflowBuilder(wf_name):
                @cloaca.task(id="b", dependencies=["a"])
                def b(context):
                    return context
        assert str(info.value) == (f"Workflow validation failed: Missing dependency: task '{ns(wf_name, 'b')}' "
                                   f"depends on '{ns(wf_name, 'a')}' which is not registered")

    def test_cycle(self, wf_name):
        with pytest.raises(ValueError, match=r"^Workflow validation failed: Circular dependency detected: \["):
            with cloaca.WorkflowBuilder(wf_name):
                @cloaca.task(id="ping", dependencies=["pong"])
                def ping(context):
                    return context

                @cloaca.task(id="pong", dependencies=["ping"])
                def pong(context):
                    return context

    def test_exception_in_the_body_propagates(self, wf_name):
        with pytest.raises(RuntimeError, match="boom"):
            with cloaca.WorkflowBuilder(wf_name):
                @cloaca.task(id="ok")
                def ok(context):
                    return context

                raise RuntimeError("boom")

    def test_an_error_in_the_body_is_not_replaced_by_a_validation_error(self, wf_name):
        # Upstream builds anyway and reports "Workflow cannot be empty" instead (docs/decisions.md).
        with pytest.raises(RuntimeError) as info:
            with cloaca.WorkflowBuilder(wf_name):
                raise RuntimeError("body failed")
        assert str(info.value) == "body failed"
        assert info.value.__context__ is None

    def test_a_bad_task_keyword_surfaces_its_own_value_error(self, wf_name):
        with pytest.raises(ValueError) as info:
            with cloaca.WorkflowBuilder(wf_name):
                @cloaca.task(id="sideways", retry_backoff="sideways")
                def sideways(context):
                    return context
        assert str(info.value).startswith("Invalid retry_backoff 'sideways'")

    def test_a_name_error_mid_block_stays_a_name_error(self, wf_name, runner):
        with pytest.raises(NameError, match="undefined_helper"):
            with cloaca.WorkflowBuilder(wf_name):
                @cloaca.task(id="first")
                def first(context):
                    return context

                undefined_helper()  # noqa: F821

                @cloaca.task(id="second", dependencies=["first"])
                def second(context):
                    return context
        # The half-declared workflow is not registered either.
        with pytest.raises(ValueError, match="Workflow not found in registry"):
            runner.execute(wf_name, cloaca.Context())

    def test_the_builder_stack_is_popped_when_the_body_raised(self, wf_name, uid):
        loose = uid("after_failed_block")
        with pytest.raises(RuntimeError):
            with cloaca.WorkflowBuilder(wf_name):
                raise RuntimeError("body failed")
        cloaca.task(id=loose)(noop)  # outside any builder again: a loose task
        builder = cloaca.WorkflowBuilder(wf_name + "_other")
        builder.add_task(loose)

    def test_tasks_outside_the_block_do_not_join(self, wf_name, uid, runner):
        outside = uid("outside")
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="inside")
            def inside(context):
                context.set("inside", True)
                return context

        @cloaca.task(id=outside)
        def outside_fn(context):
            context.set("outside", True)
            return context

        result = runner.execute(wf_name, cloaca.Context())
        assert result.final_context.to_dict() == {"inside": True}
        assert [t["task_id"] for t in result.task_results] == ["inside"]

    def test_nested_builders_use_the_innermost(self, wf_name, runner):
        inner_name = wf_name + "_inner"
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="outer_task")
            def outer_task(context):
                return context

            with cloaca.WorkflowBuilder(inner_name):
                @cloaca.task(id="inner_task")
                def inner_task(context):
                    return context

        assert [t["task_id"] for t in runner.execute(wf_name, cloaca.Context()).task_results] == ["outer_task"]
        assert [t["task_id"] for t in runner.execute(inner_name, cloaca.Context()).task_results] == ["inner_task"]

    def test_builder_stack_is_per_thread(self, wf_name, uid):
        import threading
        errors = []
        loose = uid("from_thread")

        def define_elsewhere():
            try:
                cloaca.task(id=loose)(noop)  # no builder on this thread: a loose task
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="own")
            def own(context):
                return context

            t = threading.Thread(target=define_elsewhere)
            t.start()
            t.join()
        assert errors == []
        builder = cloaca.WorkflowBuilder(wf_name + "_other")
        builder.add_task(loose)


class TestMixedStyles:
    def test_both_styles_in_one_file(self, wf_name, uid, runner):
        upstream_name, seed_name = wf_name + "_ctx", wf_name + "_seed"
        with cloaca.WorkflowBuilder(upstream_name):
            @cloaca.task(id="step")
            def step(context):
                context.set("style", "context-manager")
                return context

        seed_id = uid("step")

        @cloaca.task(id=seed_id)
        def seed_step(context):
            context.set("style", "builder")
            return context

        def construct():
            builder = cloaca.WorkflowBuilder(seed_name)
            builder.add_task(seed_id)
            return builder.build()

        cloaca.register_workflow_constructor(seed_name, construct)
        assert runner.execute(upstream_name, cloaca.Context()).final_context.get("style") == "context-manager"
        assert runner.execute(seed_name, cloaca.Context()).final_context.get("style") == "builder"

    def test_add_task_inside_a_with_block(self, wf_name, uid, runner):
        loose = uid("loose")

        @cloaca.task(id=loose)
        def loose_fn(context):
            context.set("loose", True)
            return context

        with cloaca.WorkflowBuilder(wf_name) as builder:
            builder.add_task(loose)

            @cloaca.task(id="decorated", dependencies=[loose])
            def decorated(context):
                context.set("decorated", True)
                return context

        result = runner.execute(wf_name, cloaca.Context())
        assert result.status == "Completed"
        assert result.final_context.to_dict() == {"loose": True, "decorated": True}


class TestVersion:
    def test_sixteen_hex_digits(self, wf_name, chain):
        assert re.fullmatch(r"[0-9a-f]{16}", build_chain(wf_name, chain).version)

    def test_deterministic(self, wf_name, chain):
        v1 = build_chain(wf_name, chain, "d", [("team", "data")]).version
        v2 = build_chain(wf_name, chain, "d", [("team", "data")]).version
        assert v1 == v2

    def test_sensitive_to_description(self, wf_name, chain):
        assert build_chain(wf_name, chain, "one").version != build_chain(wf_name, chain, "two").version

    def test_sensitive_to_tags(self, wf_name, chain):
        base = build_chain(wf_name, chain, tags=[("env", "dev")]).version
        assert build_chain(wf_name, chain, tags=[("env", "prod")]).version != base
        assert build_chain(wf_name, chain).version != base

    def test_sensitive_to_name(self, wf_name, chain):
        assert build_chain(wf_name, chain).version != build_chain(wf_name + "x", chain).version

    def test_sensitive_to_dependencies(self, wf_name, uid):
        a, b, b2 = uid("a"), uid("b"), uid("b2")
        cloaca.task(id=a)(noop)
        cloaca.task(id=b)(noop)
        independent = build_chain(wf_name, [a, b]).version
        cloaca.task(id=b, dependencies=[a])(noop)
        dependent = build_chain(wf_name, [a, b]).version
        assert independent != dependent

    def test_not_sensitive_to_function_bodies(self, wf_name, uid):
        t = uid("body")
        cloaca.task(id=t)(lambda ctx: ctx)
        before = build_chain(wf_name, [t]).version
        cloaca.task(id=t)(lambda ctx: None)
        assert build_chain(wf_name, [t]).version == before


class TestWorkflowObject:
    @pytest.fixture
    def diamond(self, wf_name, uid):
        top, left, right, bottom = uid("top"), uid("left"), uid("right"), uid("bottom")
        cloaca.task(id=top)(noop)
        cloaca.task(id=left, dependencies=[top])(noop)
        cloaca.task(id=right, dependencies=[top])(noop)
        cloaca.task(id=bottom, dependencies=[left, right])(noop)
        builder = cloaca.WorkflowBuilder(wf_name)
        builder.description("a diamond")
        for t in (top, left, right, bottom):
            builder.add_task(t)
        return builder.build(), [ns(wf_name, t) for t in (top, left, right, bottom)]

    def test_properties(self, diamond, wf_name):
        wf, _ = diamond
        assert wf.name == wf_name
        assert wf.description == "a diamond"
        assert isinstance(wf.version, str)

    def test_topological_sort(self, diamond):
        wf, (top, left, right, bottom) = diamond
        order = wf.topological_sort()
        assert sorted(order) == sorted([top, left, right, bottom])
        assert order[0] == top and order[-1] == bottom

    def test_execution_levels(self, diamond):
        wf, (top, left, right, bottom) = diamond
        levels = wf.get_execution_levels()
        assert len(levels) == 3
        assert levels[0] == [top]
        assert sorted(levels[1]) == sorted([left, right])
        assert levels[2] == [bottom]

    def test_roots_and_leaves(self, diamond):
        wf, (top, _, _, bottom) = diamond
        assert wf.get_roots() == [top]
        assert wf.get_leaves() == [bottom]

    def test_validate(self, diamond):
        wf, _ = diamond
        assert wf.validate() is None

    def test_repr(self, diamond, wf_name):
        wf, _ = diamond
        assert repr(wf) == f"Workflow(name='{wf_name}', tasks=4)"

    def test_not_constructible(self):
        with pytest.raises(TypeError):
            cloaca.Workflow()


class TestRegisterWorkflowConstructor:
    def test_calls_the_constructor_once(self, wf_name, chain):
        calls = []

        def construct():
            calls.append(1)
            return build_chain(wf_name, chain)

        cloaca.register_workflow_constructor(wf_name, construct)
        assert calls == [1]

    def test_registers_under_the_given_name(self, wf_name, chain, runner):
        alias = wf_name + "_alias"
        cloaca.register_workflow_constructor(alias, lambda: build_chain(wf_name, chain))
        assert runner.execute(alias, cloaca.Context()).status == "Completed"

    def test_later_registration_replaces(self, wf_name, uid, runner):
        one, two = uid("one"), uid("two")
        cloaca.task(id=one)(lambda ctx: ctx.set("which", 1))
        cloaca.task(id=two)(lambda ctx: ctx.set("which", 2))
        cloaca.register_workflow_constructor(wf_name, lambda: build_chain(wf_name, [one]))
        cloaca.register_workflow_constructor(wf_name, lambda: build_chain(wf_name, [two]))
        assert runner.execute(wf_name, cloaca.Context()).final_context.get("which") == 2

    def test_constructor_raising(self, wf_name):
        def construct():
            raise RuntimeError("database unavailable")

        with pytest.raises(ValueError) as info:
            cloaca.register_workflow_constructor(wf_name, construct)
        assert str(info.value) == "Failed to call workflow constructor: database unavailable"

    def test_constructor_raising_an_exception_whose_str_raises(self, wf_name):
        def construct():
            raise UnprintableError()

        with pytest.raises(ValueError) as info:
            cloaca.register_workflow_constructor(wf_name, construct)
        assert str(info.value) == "Failed to call workflow constructor: <exception str() failed>"

    def test_constructor_whose_build_fails(self, wf_name):
        with pytest.raises(ValueError, match="^Failed to call workflow constructor: Failed to build workflow: "
                                             "Workflow cannot be empty$"):
            cloaca.register_workflow_constructor(wf_name, lambda: cloaca.WorkflowBuilder(wf_name).build())

    @pytest.mark.parametrize("returned", [None, "workflow", cloaca.WorkflowBuilder("not_built")])
    def test_constructor_returning_a_non_workflow(self, wf_name, returned):
        with pytest.raises(ValueError, match="^Failed to extract workflow from constructor: "):
            cloaca.register_workflow_constructor(wf_name, lambda: returned)

    def test_non_callable_constructor(self, wf_name):
        with pytest.raises(ValueError, match="^Failed to call workflow constructor: "):
            cloaca.register_workflow_constructor(wf_name, "not callable")
