"""Event triggers from Python: both of upstream's decorator signatures, TriggerResult, the runner's
trigger methods and their dict shapes, and triggers that really fire in an embedded runner. The claim
rules (once per interval across runners, in-flight checks at exact times) are covered with a settable
clock in the engine's Java tests (TriggerSchedulesTest).

Triggers are process-wide, like workflows: every runner open in the process polls each of them. So
the tests name triggers uniquely, forget them when they end, and count only what their own runner's
history shows."""
import re
import threading
import time

import pytest

import cloaca
from conftest import UnprintableError, private_database_url

RFC3339_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$")


@pytest.fixture
def triggers(uid):
    """Names triggers for this test and forgets them afterwards, so no runner polls them any more."""
    names = []

    def name(stem):
        names.append(uid(stem))
        return names[-1]

    yield name
    for n in names:
        cloaca._forget_trigger(n)


@pytest.fixture
def workflow(wf_name, uid):
    """A registered one-task workflow that waits while ``workflow.hold`` is clear."""
    hold = threading.Event()
    hold.set()

    @cloaca.task(id=uid("work"))
    def work(ctx):
        hold.wait(30)
        ctx.set("worked", True)
        return ctx

    def build():
        builder = cloaca.WorkflowBuilder(wf_name)
        builder.add_task(uid("work"))
        return builder.build()

    cloaca.register_workflow_constructor(wf_name, build)
    return type("Workflow", (), {"name": wf_name, "hold": hold})


@pytest.fixture
def trigger_runner(tmp_path):
    config = cloaca.DefaultRunnerConfig(trigger_poll_timeout_seconds=0.5)
    with cloaca.DefaultRunner.with_config(private_database_url(tmp_path), config) as r:
        yield r


def wait_until(condition, what, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def fired(runner, name):
    return [h for h in runner.get_trigger_execution_history(name) if h["outcome"] == "fired"]


# ---- TriggerResult and the decorator ---------------------------------------------------------------

def test_trigger_result_predicates_and_repr():
    skip = cloaca.TriggerResult.skip()
    assert skip.is_skip_result() and not skip.is_fire_result()
    assert repr(skip) == "TriggerResult.Skip"
    bare = cloaca.TriggerResult.fire()
    assert bare.is_fire_result() and not bare.is_skip_result()
    assert repr(bare) == "TriggerResult.Fire(None)"
    ctx = cloaca.Context({"path": "/in/a.csv"})
    assert repr(cloaca.TriggerResult.fire(ctx)) == f"TriggerResult.Fire({ctx!r})"
    with pytest.raises(TypeError, match="cloaca.Context or None"):
        cloaca.TriggerResult.fire({"path": "x"})
    with pytest.raises(TypeError):
        cloaca.TriggerResult()


def test_both_signatures_return_the_function_unchanged_and_register_the_trigger(trigger_runner, workflow, triggers):
    older, newer, timed, mixed = triggers("older"), triggers("newer"), triggers("timed"), triggers("mixed")

    def poll():
        return cloaca.TriggerResult.skip()

    assert cloaca.trigger(workflow.name, name=older)(poll) is poll
    assert cloaca.trigger(name=newer, on=workflow.name, poll_interval="250ms", allow_concurrent=True)(poll) is poll
    assert cloaca.trigger(name=timed, on=workflow.name, cron="0 9 * * MON-FRI", timezone="Europe/Berlin")(poll) is poll
    # Neither upstream signature has both (docs/triggers.md): the positional workflow stands for on=.
    assert cloaca.trigger(workflow.name, name=mixed, cron="*/5 * * * *")(poll) is poll

    s = trigger_runner.get_trigger_schedule(older)
    assert list(s)[:9] == ["id", "trigger_name", "workflow_name", "poll_interval_ms", "allow_concurrent", "enabled",
                           "last_poll_at", "created_at", "updated_at"]
    assert s["workflow_name"] == workflow.name and s["poll_interval_ms"] == 5000, "D25's default: 5 s"
    assert s["allow_concurrent"] is False and s["enabled"] is True and RFC3339_RE.match(s["created_at"])
    n = trigger_runner.get_trigger_schedule(newer)
    assert n["poll_interval_ms"] == 250 and n["allow_concurrent"] is True
    t = trigger_runner.get_trigger_schedule(timed)
    assert t["poll_interval_ms"] is None and t["cron_expression"] == "0 9 * * MON-FRI"
    assert t["timezone"] == "Europe/Berlin"
    m = trigger_runner.get_trigger_schedule(mixed)
    assert (m["workflow_name"], m["poll_interval_ms"], m["cron_expression"]) == (workflow.name, None, "*/5 * * * *")
    names = [x["trigger_name"] for x in trigger_runner.list_trigger_schedules()]
    assert {older, newer, timed, mixed} <= set(names) and names == sorted(names)
    assert trigger_runner.get_trigger_schedule("no_such_trigger") is None


def test_the_on_form_defaults_to_thirty_seconds_and_the_name_defaults_to_the_function(trigger_runner, workflow,
                                                                                     triggers, uid):
    fn_name = triggers("by_function_name")

    def poll():
        return cloaca.TriggerResult.skip()

    poll.__name__ = fn_name
    cloaca.trigger(on=workflow.name)(poll)
    assert trigger_runner.get_trigger_schedule(fn_name)["poll_interval_ms"] == 30000


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(on="wf", poll_interval="5 parsecs"), ValueError, "Invalid poll_interval: Invalid duration: 5 parsecs"),
    (dict(on="wf", poll_interval="0s"), ValueError, "must be positive"),
    (dict(on="wf", poll_interval="1s", cron="* * * * *"), ValueError, "cannot be combined"),
    (dict(cron="* * * * *"), ValueError, "requires on="),
    (dict(on="wf", timezone="UTC"), ValueError, "timezone='UTC' applies to cron=... only"),
    (dict(on="wf", cron="61 * * * *"), ValueError, "Invalid cron expression or timezone"),
    (dict(on="wf", cron="* * * * *", timezone="Mars/Olympus"), ValueError, "unknown time zone 'Mars/Olympus'"),
    (dict(poll_interval="1s"), ValueError, "has no workflow"),
    (dict(on="wf", poll_interval=5), TypeError, "poll_interval must be a str"),
    (dict(on="wf", allow_concurrent="yes"), TypeError, "allow_concurrent"),
])
def test_bad_input_names_the_trigger_and_the_value(kwargs, error, match):
    def bad_trigger():
        return cloaca.TriggerResult.skip()

    with pytest.raises(error, match=match) as raised:
        cloaca.trigger(name="bad_trigger", **kwargs)(bad_trigger)
    if error is ValueError and "requires on=" not in match:
        assert "bad_trigger" in str(raised.value)


def test_a_workflow_given_twice_is_refused():
    with pytest.raises(ValueError, match="give the workflow once"):
        cloaca.trigger("a", on="b")


# ---- triggers that fire ----------------------------------------------------------------------------

def test_a_trigger_fires_in_an_embedded_runner_with_the_trigger_keys_and_linked_history(trigger_runner, workflow,
                                                                                      triggers):
    name = triggers("arrivals")

    @cloaca.trigger(name=name, on=workflow.name, poll_interval="100ms")
    def arrivals():
        return cloaca.TriggerResult.fire(cloaca.Context({"file": "a.csv"}))

    rows = wait_until(lambda: len(fired(trigger_runner, name)) >= 2 and fired(trigger_runner, name),
                      "two fires (the second after the first execution ended)")
    row = rows[-1]
    assert list(row)[:7] == ["id", "trigger_name", "context_hash", "pipeline_execution_id", "started_at",
                             "completed_at", "created_at"]
    assert row["trigger_name"] == name and len(row["context_hash"]) == 64
    result = trigger_runner.wait_for(row["pipeline_execution_id"], 30)
    assert result.status == "Completed"
    ctx = result.final_context
    assert ctx.get("file") == "a.csv" and ctx.get("worked") is True
    assert ctx.get("trigger_name") == name and RFC3339_RE.match(ctx.get("triggered_at"))
    assert wait_until(lambda: fired(trigger_runner, name)[-1]["completed_at"], "completed_at of the first fire")
    assert trigger_runner.get_trigger_schedule(name)["last_poll_at"] is not None

    trigger_runner.set_trigger_enabled(name, False)
    assert trigger_runner.get_trigger_schedule(name)["enabled"] is False
    assert name not in [s["trigger_name"] for s in trigger_runner.list_trigger_schedules(enabled_only=True)]
    with pytest.raises(ValueError, match="Failed to update trigger: Trigger not found: 'nope'"):
        trigger_runner.set_trigger_enabled("nope", True)


def test_an_identical_context_is_not_started_while_one_is_in_flight_unless_allow_concurrent(trigger_runner,
                                                                                          workflow, triggers):
    single, many = triggers("single"), triggers("many")
    workflow.hold.clear()  # executions stay in flight until the test lets them go
    try:
        for name, concurrent in ((single, False), (many, True)):
            cloaca.trigger(name=name, on=workflow.name, poll_interval="100ms", allow_concurrent=concurrent)(
                lambda: cloaca.TriggerResult.fire(cloaca.Context({"same": 1})))
        wait_until(lambda: len(fired(trigger_runner, many)) >= 3, "three concurrent fires of the same context")
        assert len(fired(trigger_runner, single)) == 1
    finally:
        workflow.hold.set()


def test_a_poll_that_raises_returns_none_or_blocks_is_recorded_and_the_others_go_on(trigger_runner, workflow,
                                                                                  triggers):
    raises, returns_none, blocks, healthy = (triggers("raises"), triggers("returns_none"), triggers("blocks"),
                                             triggers("healthy"))
    returns_unreprable = triggers("returns_unreprable")
    release = threading.Event()

    @cloaca.trigger(name=raises, on=workflow.name, poll_interval="100ms")
    def poll_raises():
        raise OSError("inbox unreachable")

    @cloaca.trigger(name=returns_none, on=workflow.name, poll_interval="100ms")
    def poll_returns_none():
        return None

    class Unreprable:
        def __repr__(self):
            raise RuntimeError("repr failed")

    @cloaca.trigger(name=returns_unreprable, on=workflow.name, poll_interval="100ms")
    def poll_returns_unreprable():
        return Unreprable()

    @cloaca.trigger(name=blocks, on=workflow.name, poll_interval="100ms")
    def poll_blocks():
        release.wait(30)
        return cloaca.TriggerResult.skip()

    @cloaca.trigger(name=healthy, on=workflow.name, poll_interval="100ms", allow_concurrent=True)
    def poll_healthy():
        return cloaca.TriggerResult.fire()

    try:
        def errors(name):
            return [h["detail"] for h in trigger_runner.get_trigger_execution_history(name) if h["outcome"] == "error"]

        assert wait_until(lambda: errors(raises), "the raising poll")[0] == (
            f"Trigger '{raises}' poll raised OSError: inbox unreachable")
        assert wait_until(lambda: errors(returns_none), "the poll returning None")[0] == (
            f"Trigger '{returns_none}' must return TriggerResult, got: NoneType (None)")
        assert wait_until(lambda: errors(returns_unreprable), "the poll returning a value whose repr raises")[0] == (
            f"Trigger '{returns_unreprable}' must return TriggerResult, got: Unreprable (<repr() failed>)")
        assert wait_until(lambda: errors(blocks), "the blocked poll's timeout")[0].startswith(
            f"Trigger '{blocks}' poll did not return within 0.5 s")
        healthy_fires = len(fired(trigger_runner, healthy))
        wait_until(lambda: len(fired(trigger_runner, healthy)) >= healthy_fires + 3,
                   "the healthy trigger firing on while the other one is blocked")
    finally:
        release.set()


@pytest.mark.parametrize("raised,described", [
    (SystemExit(3), "SystemExit: 3"),
    (UnprintableError(), "UnprintableError: <exception str() failed>"),
], ids=["sys_exit", "failing_str"])
def test_a_poll_raising_what_a_task_body_may_raise_is_recorded_as_any_other(trigger_runner, workflow, triggers,
                                                                             raised, described):
    # sys.exit() in a poll, or an exception whose str() raises, is recorded as a task body's would be.
    name = triggers("exits")

    @cloaca.trigger(name=name, on=workflow.name, poll_interval="100ms")
    def poll():
        raise raised

    errors = wait_until(lambda: [h["detail"] for h in trigger_runner.get_trigger_execution_history(name)
                                 if h["outcome"] == "error"], "the poll's record")
    assert errors[0] == f"Trigger '{name}' poll raised {described}"


def test_a_trigger_bound_to_an_unknown_workflow_is_recorded_naming_both(trigger_runner, triggers):
    name = triggers("orphan")
    cloaca.trigger(name=name, on="workflow_nobody_defined", poll_interval="100ms")(
        lambda: cloaca.TriggerResult.fire())
    detail = wait_until(lambda: trigger_runner.get_trigger_execution_history(name), "the orphan's record")[0]["detail"]
    assert detail.startswith(f"Trigger '{name}' is bound to workflow 'workflow_nobody_defined', which is not registered")
