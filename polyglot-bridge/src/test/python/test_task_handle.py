"""cloaca.TaskHandle: a task whose second parameter is ``handle`` (or annotated TaskHandle) receives
one; ``defer_until`` lends the task's concurrency slot while it waits (cloaca-api.md §1.13)."""
import threading

import pytest

import cloaca
from conftest import UnprintableError, private_database_url, statuses

#: How long a test waits for something the engine should do before declaring it stuck.
GENEROUS = 30


def errors(result):
    return {t["task_id"]: t["error"] for t in result.task_results}


@pytest.fixture
def one_slot(tmp_path):
    """A runner of this test's own with a single concurrency slot."""
    config = cloaca.DefaultRunnerConfig(max_concurrent_tasks=1)
    with cloaca.DefaultRunner(private_database_url(tmp_path), config) as r:
        yield r


def run_in_background(fn):
    """Runs ``fn`` on a thread; returns a function that waits for its result (or re-raises)."""
    out = {}

    def target():
        try:
            out["value"] = fn()
        except BaseException as e:
            out["error"] = e

    thread = threading.Thread(target=target, daemon=True)
    thread.start()

    def join():
        thread.join(GENEROUS)
        assert not thread.is_alive(), "the background call did not end"
        if "error" in out:
            raise out["error"]
        return out["value"]

    return join


class TestDeferral:
    def test_with_one_slot_a_deferred_task_lets_the_task_that_ends_its_wait_run(self, one_slot, wf_name):
        released = threading.Event()
        asked = threading.Event()
        seen = []
        waiter, releaser = wf_name + "_waiter", wf_name + "_releaser"

        with cloaca.WorkflowBuilder(waiter):
            @cloaca.task(id="wait")
            def wait(ctx, handle):
                seen.append(("before", handle.is_slot_held()))

                def condition():
                    seen.append(("during", handle.is_slot_held()))
                    asked.set()
                    return released.is_set()

                handle.defer_until(condition, poll_interval_ms=5)
                seen.append(("after", handle.is_slot_held()))
                ctx.set("waited", True)
                return ctx

        with cloaca.WorkflowBuilder(releaser):
            @cloaca.task(id="release")
            def release(ctx):
                released.set()
                return ctx

        deferred = run_in_background(lambda: one_slot.execute(waiter, cloaca.Context()))
        assert asked.wait(GENEROUS), "the task deferred"
        # The runner's only slot is lent out by the deferred task: this runs, and ends the wait.
        assert one_slot.execute(releaser, cloaca.Context()).status == "Completed"
        result = deferred()
        assert result.status == "Completed"
        assert result.final_context.get("waited") is True
        assert seen[0] == ("before", True)
        assert ("during", False) in seen
        assert seen[-1] == ("after", True)

    def test_a_parameter_annotated_task_handle_receives_one(self, runner, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="t")
            def t(ctx, h: cloaca.TaskHandle):
                ctx.set("kind", type(h).__name__)
                ctx.set("held", h.is_slot_held())
                return ctx

        result = runner.execute(wf_name, cloaca.Context())
        assert result.final_context.get("kind") == "TaskHandle"
        assert result.final_context.get("held") is True

    def test_other_second_parameters_get_no_handle(self, runner, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="t")
            def t(ctx, extra="default"):
                ctx.set("extra", extra)
                return ctx

        assert runner.execute(wf_name, cloaca.Context()).final_context.get("extra") == "default"

    def test_a_condition_true_at_once_returns_at_once(self, runner, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="t")
            def t(ctx, handle):
                handle.defer_until(lambda: True)  # the default interval is never waited
                return ctx

        assert runner.execute(wf_name, cloaca.Context()).status == "Completed"


class TestErrors:
    def test_a_handle_used_after_its_task_ended_is_consumed(self, runner, wf_name):
        kept = []
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="t")
            def t(ctx, handle):
                kept.append(handle)
                return ctx

        assert runner.execute(wf_name, cloaca.Context()).status == "Completed"
        with pytest.raises(ValueError, match="^TaskHandle has already been consumed$"):
            kept[0].defer_until(lambda: True)
        with pytest.raises(ValueError, match="^TaskHandle has already been consumed$"):
            kept[0].is_slot_held()

    @pytest.mark.parametrize("raised,described", [
        (KeyError("sensor"), "KeyError: 'sensor'"),
        # Not only Exception: what a task body may raise is described as a task body's would be.
        (SystemExit(3), "SystemExit: 3"),
        (KeyboardInterrupt("stop"), "KeyboardInterrupt: stop"),
        (UnprintableError(), "UnprintableError: <exception str() failed>"),
    ], ids=["exception", "sys_exit", "keyboard_interrupt", "failing_str"])
    def test_a_condition_that_raises_fails_the_task_naming_it_and_the_exception(self, one_slot, wf_name, raised,
                                                                                 described):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="bad", retry_attempts=1)
            def bad(ctx, handle):
                def condition():
                    raise raised

                handle.defer_until(condition, poll_interval_ms=5)
                return ctx

            @cloaca.task(id="fine")
            def fine(ctx):
                ctx.set("fine", True)
                return ctx

        result = one_slot.execute(wf_name, cloaca.Context())
        assert statuses(result) == {"bad": "Failed", "fine": "Completed"}
        assert errors(result)["bad"] == ("Python task execution failed: RuntimeError: TaskHandle.defer_until: "
                                         f"the condition of task 'bad' raised {described}")
        # The failed task's slot came back: the single-slot runner still runs work.
        assert one_slot.execute(wf_name, cloaca.Context()).status == "Failed"

    @pytest.mark.parametrize("interval,kind,message", [
        (0, ValueError, "poll_interval_ms must be a positive number of milliseconds below 2**63, got 0"),
        (-5, ValueError, "poll_interval_ms must be a positive number of milliseconds below 2**63, got -5"),
        (2 ** 63, ValueError, "poll_interval_ms must be a positive number of milliseconds below 2**63, got "
                              "9223372036854775808"),
        (1.5, TypeError, "poll_interval_ms must be an int (milliseconds), got 'float'"),
        ("10ms", TypeError, "poll_interval_ms must be an int (milliseconds), got 'str'"),
        (True, TypeError, "poll_interval_ms must be an int (milliseconds), got 'bool'"),
    ])
    def test_a_bad_poll_interval_is_refused(self, runner, wf_name, interval, kind, message):
        caught = []
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="t")
            def t(ctx, handle):
                try:
                    handle.defer_until(lambda: True, poll_interval_ms=interval)
                except Exception as e:
                    caught.append(e)
                return ctx

        runner.execute(wf_name, cloaca.Context())
        assert type(caught[0]) is kind
        assert str(caught[0]) == message

    def test_a_condition_that_is_not_callable_is_a_type_error(self, runner, wf_name):
        caught = []
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="t")
            def t(ctx, handle):
                try:
                    handle.defer_until(True)
                except TypeError as e:
                    caught.append(str(e))
                return ctx

        runner.execute(wf_name, cloaca.Context())
        assert caught == ["defer_until condition must be a callable returning a bool, got 'bool'"]

    def test_task_handle_has_no_constructor(self):
        with pytest.raises(TypeError, match="TaskHandle has no constructor"):
            cloaca.TaskHandle()


class TestRestart:
    def test_a_task_deferred_at_shutdown_is_run_again_by_the_next_runner(self, tmp_path, wf_name):
        url = private_database_url(tmp_path)
        asked, go = threading.Event(), threading.Event()
        starts = []

        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="t")
            def t(ctx, handle):
                starts.append(len(starts) + 1)

                def condition():
                    asked.set()
                    return go.is_set()

                handle.defer_until(condition, poll_interval_ms=5)
                ctx.set("run", starts[-1])
                return ctx

        first = cloaca.DefaultRunner(url)
        pending = run_in_background(lambda: first.execute(wf_name, cloaca.Context()))
        assert asked.wait(GENEROUS), "the task deferred"
        first.shutdown()  # ends the deferral now and gives the task's claim back
        with pytest.raises(ValueError, match="shut down before execution"):
            pending()
        go.set()
        with cloaca.DefaultRunner(url) as second:
            [execution] = second.list_executions(wf_name)
            result = second.wait_for(execution["execution_id"], timeout_seconds=GENEROUS)
        assert result.status == "Completed"
        assert result.final_context.get("run") == 2
        assert starts == [1, 2]
