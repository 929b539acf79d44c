"""What running a workflow does, seen from Python: context flow, failures, retries, callbacks."""
import asyncio
import sys
import threading
import time

import pytest

import cloaca
from conftest import UnprintableError, fast_retries, statuses


def append(context, key, value):
    items = context.get(key, [])
    items.append(value)
    context.set(key, items)
    return context


def raise_keyboard_interrupt():
    raise KeyboardInterrupt()


def raise_unprintable():
    raise UnprintableError()


class TestContextFlow:
    def test_chain(self, runner, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="one")
            def one(context):
                context.set("n", context.get("n") + 1)
                return context

            @cloaca.task(id="two", dependencies=["one"])
            def two(context):
                context.set("n", context.get("n") * 10)
                return context

            @cloaca.task(id="three", dependencies=["two"])
            def three(context):
                context.set("n", context.get("n") - 3)
                return context

        result = runner.execute(wf_name, cloaca.Context({"n": 1}))
        assert result.status == "Completed"
        assert result.final_context.get("n") == 17

    def test_diamond_unions_list_appends(self, runner, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="top")
            def top(context):
                return append(context, "order", "top")

            @cloaca.task(id="left", dependencies=["top"])
            def left(context):
                return append(context, "order", "left")

            @cloaca.task(id="right", dependencies=["top"])
            def right(context):
                return append(context, "order", "right")

            @cloaca.task(id="bottom", dependencies=["left", "right"])
            def bottom(context):
                context.set("seen", context.get("order"))
                return append(context, "order", "bottom")

        ctx = runner.execute(wf_name, cloaca.Context()).final_context
        seen = ctx.get("seen")
        assert seen[0] == "top"
        assert sorted(seen) == ["left", "right", "top"]
        assert ctx.get("order")[-1] == "bottom"

    def test_fan_in_of_three(self, runner, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            for source in ("a", "b", "c"):
                @cloaca.task(id=f"source_{source}")
                def produce(context, source=source):
                    append(context, "collected", source)
                    context.set(f"from_{source}", {"ok": True})
                    context.set("settings", {source: 1})
                    return context

            @cloaca.task(id="sink", dependencies=["source_a", "source_b", "source_c"])
            def sink(context):
                context.set("collected_count", len(context.get("collected")))
                return context

        ctx = runner.execute(wf_name, cloaca.Context()).final_context
        assert ctx.get("collected_count") == 3
        assert sorted(ctx.get("collected")) == ["a", "b", "c"]
        assert all(ctx.get(f"from_{s}") == {"ok": True} for s in "abc")
        assert ctx.get("settings") == {"a": 1, "b": 1, "c": 1}  # objects merge recursively

    def test_every_root_gets_the_initial_context(self, runner, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="root_1")
            def root_1(context):
                context.set("r1_saw", context.get("seed"))
                return context

            @cloaca.task(id="root_2")
            def root_2(context):
                context.set("r2_saw", context.get("seed"))
                return context

            @cloaca.task(id="join", dependencies=["root_1", "root_2"])
            def join(context):
                return context

        ctx = runner.execute(wf_name, cloaca.Context({"seed": 7})).final_context
        assert (ctx.get("r1_saw"), ctx.get("r2_saw"), ctx.get("seed")) == (7, 7, 7)

    def test_returning_none_keeps_in_place_changes(self, runner, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="mutate")
            def mutate(context):
                context.set("touched", True)

            @cloaca.task(id="check", dependencies=["mutate"])
            def check(context):
                context.set("saw_touched", context.get("touched"))

        result = runner.execute(wf_name, cloaca.Context())
        assert result.status == "Completed"
        assert result.final_context.to_dict() == {"touched": True, "saw_touched": True}

    def test_returning_a_new_context_replaces_the_data(self, runner, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="replace")
            def replace(context):
                return cloaca.Context({"fresh": 1})

        ctx = runner.execute(wf_name, cloaca.Context({"old": 1})).final_context
        assert ctx.to_dict() == {"fresh": 1}

    def test_final_context_is_the_last_tasks_output(self, runner, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="first")
            def first(context):
                context.set("who", "first")
                return context

            @cloaca.task(id="last", dependencies=["first"])
            def last(context):
                context.set("who", "last")
                return context

        assert runner.execute(wf_name, cloaca.Context()).final_context.get("who") == "last"

    def test_initial_context_is_copied_at_call_time(self, runner, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="change")
            def change(context):
                context.set("v", "changed by task")
                return context

        initial = cloaca.Context({"v": "original"})
        runner.execute(wf_name, initial)
        assert initial.get("v") == "original"

    def test_the_deepest_value_a_context_accepts_goes_through_a_task(self, runner, wf_name):
        # 64 levels: the limit, chosen so that a task's thread can still read the value back (get copies it).
        deep = 1
        for _ in range(64):
            deep = [deep]
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="reads")
            def reads(context):
                context.set("copy", context.get("deep"))
                return context

        result = runner.execute(wf_name, cloaca.Context({"deep": deep}))
        assert result.status == "Completed"
        assert result.final_context.get("copy") == deep


class TestFailures:
    def test_returning_a_dict_fails_the_task_with_a_type_error(self, runner, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="bad_return", retry_attempts=1)
            def bad_return(context):
                return {"not": "a context"}

        result = runner.execute(wf_name, cloaca.Context())
        assert result.status == "Failed"
        [row] = result.task_results
        assert row["status"] == "Failed"
        assert row["error"].startswith("Python task execution failed: TypeError: ")
        assert "'dict'" in row["error"]

    def test_non_json_value_in_a_task_fails_the_task(self, runner, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="stores_object", retry_attempts=1)
            def stores_object(context):
                context.set("when", object())
                return context

        result = runner.execute(wf_name, cloaca.Context())
        assert result.status == "Failed"
        assert "TypeError: unsupported type object" in result.task_results[0]["error"]

    def test_nan_stored_by_a_task_fails_the_task_naming_the_key(self, runner, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="divides", retry_attempts=1)
            def divides(context):
                context.set("ratio", float("nan"))
                return context

        result = runner.execute(wf_name, cloaca.Context())
        assert result.status == "Failed"
        assert "ValueError: value of 'ratio' is nan: " in result.task_results[0]["error"]

    def test_raising_task_fails_the_workflow(self, runner, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="ok_1")
            def ok_1(context):
                return context

            @cloaca.task(id="ok_2")
            def ok_2(context):
                return context

            @cloaca.task(id="broken", retry_attempts=1)
            def broken(context):
                raise ValueError("bad row 17")

        result = runner.execute(wf_name, cloaca.Context())
        assert result.status == "Failed"
        assert result.error_message == "1 task(s) failed, 2 completed, 0 skipped"
        assert statuses(result) == {"ok_1": "Completed", "ok_2": "Completed", "broken": "Failed"}
        broken_row = next(t for t in result.task_results if t["task_id"] == "broken")
        assert broken_row["error"] == "Python task execution failed: ValueError: bad row 17"

    def test_dependents_of_a_failed_task_still_run(self, runner, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="fails", retry_attempts=1)
            def fails(context):
                context.set("partial", True)
                raise RuntimeError("upstream broke")

            @cloaca.task(id="after", dependencies=["fails"])
            def after(context):
                context.set("saw_keys", sorted(context.to_dict()))
                context.set("after_ran", True)
                return context

        result = runner.execute(wf_name, cloaca.Context({"seed": 1}))
        assert result.status == "Failed"
        assert result.error_message == "1 task(s) failed, 1 completed, 0 skipped"
        assert statuses(result) == {"fails": "Failed", "after": "Completed"}
        # a failed dependency contributes nothing: its only dependency failed, so the input is empty
        assert result.final_context.to_dict() == {"after_ran": True, "saw_keys": []}

    def test_the_exception_does_not_reach_the_caller(self, runner, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="kaboom", retry_attempts=1)
            def kaboom(context):
                raise KeyError("missing")

        assert runner.execute(wf_name, cloaca.Context()).status == "Failed"


class TestRetries:
    def test_fails_twice_then_succeeds(self, runner, wf_name):
        calls = []
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="flaky", **fast_retries(3))
            def flaky(context):
                calls.append(1)
                if len(calls) < 3:
                    raise RuntimeError(f"attempt {len(calls)} failed")
                context.set("succeeded_on", len(calls))
                return context

        result = runner.execute(wf_name, cloaca.Context())
        assert result.status == "Completed"
        assert len(calls) == 3
        assert result.final_context.get("succeeded_on") == 3
        [row] = result.task_results
        assert (row["attempts"], row["max_attempts"], row["error"]) == (3, 3, None)

    def test_gives_up_after_the_last_attempt(self, runner, wf_name):
        calls = []
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="hopeless", **fast_retries(3))
            def hopeless(context):
                calls.append(1)
                raise RuntimeError(f"attempt {len(calls)}")

        result = runner.execute(wf_name, cloaca.Context())
        assert result.status == "Failed"
        assert len(calls) == 3
        assert result.task_results[0]["error"] == "Python task execution failed: RuntimeError: attempt 3"

    @pytest.mark.parametrize("attempts", [0, 1])
    def test_zero_or_one_attempt_means_no_retry(self, runner, wf_name, attempts):
        calls = []
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="once", **fast_retries(attempts))
            def once(context):
                calls.append(1)
                raise RuntimeError("no")

        assert runner.execute(wf_name, cloaca.Context()).status == "Failed"
        assert len(calls) == 1

    def test_condition_never(self, runner, wf_name):
        calls = []
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="never_retried", **fast_retries(5, retry_condition="never"))
            def never_retried(context):
                calls.append(1)
                raise ConnectionError("connection refused")

        assert runner.execute(wf_name, cloaca.Context()).status == "Failed"
        assert len(calls) == 1

    def test_condition_transient_retries_transient_errors(self, runner, wf_name):
        calls = []
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="net", **fast_retries(3, retry_condition="transient"))
            def net(context):
                calls.append(1)
                if len(calls) < 3:
                    raise ConnectionError("connection refused")
                return context

        assert runner.execute(wf_name, cloaca.Context()).status == "Completed"
        assert len(calls) == 3

    def test_condition_transient_does_not_retry_other_errors(self, runner, wf_name):
        calls = []
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="logic", **fast_retries(3, retry_condition="transient"))
            def logic(context):
                calls.append(1)
                raise ValueError("bad input")

        assert runner.execute(wf_name, cloaca.Context()).status == "Failed"
        assert len(calls) == 1

    def test_retry_policy_object(self, runner, wf_name):
        calls = []
        policy = (cloaca.RetryPolicy.builder().max_attempts(2).initial_delay(0.01).with_jitter(False)
                  .backoff_strategy(cloaca.BackoffStrategy.fixed()).build())
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="policy_task", retry=policy)
            def policy_task(context):
                calls.append(1)
                if len(calls) == 1:
                    raise RuntimeError("first")
                return context

        assert runner.execute(wf_name, cloaca.Context()).status == "Completed"
        assert len(calls) == 2

    def test_error_pattern_condition(self, runner, wf_name):
        calls = []
        policy = (cloaca.RetryPolicy.builder().max_attempts(4).initial_delay(0.01).with_jitter(False)
                  .retry_condition(cloaca.RetryCondition.error_pattern(["HTTP 503"])).build())
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="http", retry=policy)
            def http(context):
                calls.append(1)
                raise RuntimeError("http 503 from upstream" if len(calls) < 2 else "http 400")

        assert runner.execute(wf_name, cloaca.Context()).status == "Failed"
        assert len(calls) == 2

    def test_each_attempt_starts_from_the_original_input(self, runner, wf_name):
        seen = []
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="dirty", **fast_retries(2))
            def dirty(context):
                seen.append(context.get("marker"))
                context.set("marker", "set by a failed attempt")
                if len(seen) == 1:
                    raise RuntimeError("first attempt")
                return context

        runner.execute(wf_name, cloaca.Context())
        assert seen == [None, None]


class TestCallbacks:
    def test_on_success_gets_the_task_id_and_output(self, runner, wf_name):
        calls = []
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="good", on_success=lambda task_id, ctx: calls.append((task_id, ctx)))
            def good(context):
                context.set("done", True)
                return context

        runner.execute(wf_name, cloaca.Context({"x": 1}))
        [(task_id, ctx)] = calls
        assert task_id == "good"
        assert isinstance(ctx, cloaca.Context)
        assert ctx.to_dict() == {"x": 1, "done": True}

    def test_on_failure_is_called_on_every_failed_attempt(self, runner, wf_name):
        calls = []
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="bad", on_failure=lambda task_id, error, ctx: calls.append((task_id, error, ctx)),
                         on_success=lambda *args: calls.append(("success",)), **fast_retries(3))
            def bad(context):
                context.set("mutated", True)
                raise ValueError(f"attempt {len(calls) + 1}")

        result = runner.execute(wf_name, cloaca.Context({"x": 1}))
        assert result.status == "Failed"
        assert [c[0] for c in calls] == ["bad", "bad", "bad"]
        assert [c[1] for c in calls] == [f"Python task execution failed: ValueError: attempt {i}" for i in (1, 2, 3)]
        assert all(isinstance(c[2], cloaca.Context) and c[2].to_dict() == {"x": 1} for c in calls)

    def test_on_failure_then_on_success_for_a_flaky_task(self, runner, wf_name):
        events = []
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="flaky", on_failure=lambda *a: events.append("failure"),
                         on_success=lambda *a: events.append("success"), **fast_retries(2))
            def flaky(context):
                if not events:
                    raise RuntimeError("first")
                return context

        assert runner.execute(wf_name, cloaca.Context()).status == "Completed"
        assert events == ["failure", "success"]

    def test_a_raising_callback_does_not_change_the_outcome(self, runner, wf_name):
        def broken_callback(*args):
            raise RuntimeError("callback bug")

        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="fine", on_success=broken_callback)
            def fine(context):
                return context

            @cloaca.task(id="bad", on_failure=broken_callback, retry_attempts=1)
            def bad(context):
                raise RuntimeError("task bug")

        result = runner.execute(wf_name, cloaca.Context())
        assert statuses(result) == {"fine": "Completed", "bad": "Failed"}
        bad_row = next(t for t in result.task_results if t["task_id"] == "bad")
        assert bad_row["error"] == "Python task execution failed: RuntimeError: task bug"

    @pytest.mark.parametrize("exit_with, error", [
        (lambda: sys.exit(3), "SystemExit: 3"),
        (raise_keyboard_interrupt, "KeyboardInterrupt: "),
        (raise_unprintable, "UnprintableError: <exception str() failed>"),
    ], ids=["sys_exit", "keyboard_interrupt", "failing_str"])
    def test_any_exception_fails_the_task_in_upstreams_words(self, runner, wf_name, exit_with, error):
        failures = []
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="leaves", retry_attempts=1, on_failure=lambda *args: failures.append(args[1]))
            def leaves(context):
                exit_with()

            @cloaca.task(id="after", dependencies=["leaves"])
            def after(context):
                return context

        result = runner.execute(wf_name, cloaca.Context())  # the script goes on: nothing escaped
        assert statuses(result) == {"leaves": "Failed", "after": "Completed"}
        row = next(t for t in result.task_results if t["task_id"] == "leaves")
        assert row["error"] == f"Python task execution failed: {error}"
        assert failures == [row["error"]]

    def test_a_task_output_is_checked_as_any_context(self, runner, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="decodes", retry_attempts=1)
            def decodes(context):
                context.set("name", b"caf\xe9".decode("utf-8", "surrogateescape"))  # '\udce9'
                return context

            @cloaca.task(id="parses", retry_attempts=1)
            def parses(context):
                return cloaca.Context.from_json('{"name": "\\ud800"}')

        result = runner.execute(wf_name, cloaca.Context())
        errors = {t["task_id"]: t["error"] for t in result.task_results}
        assert errors["decodes"] == ("Python task execution failed: ValueError: value of 'name' is not valid Unicode "
                                     "text: it holds a lone surrogate '\\udce9' at index 3, which JSON stored as "
                                     "UTF-8 cannot represent")
        assert errors["parses"].startswith("Python task execution failed: ValueError: Failed to deserialize from "
                                           "JSON: Serialization error: value of 'name' is not valid Unicode text")

    def test_a_callback_calling_sys_exit_does_not_change_the_outcome(self, runner, wf_name, capfd):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="fine", on_success=lambda *args: sys.exit(4))
            def fine(context):
                return context

        assert statuses(runner.execute(wf_name, cloaca.Context())) == {"fine": "Completed"}
        assert "[cloaca] on_success callback failed for task 'fine': SystemExit: 4" in capfd.readouterr().err


class TestAsyncAndConcurrency:
    def test_async_def_tasks_run(self, runner, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="fetch")
            async def fetch(context):
                await asyncio.sleep(0)
                context.set("fetched", True)
                return context

            @cloaca.task(id="use", dependencies=["fetch"])
            async def use(context):
                context.set("used", context.get("fetched"))

        result = runner.execute(wf_name, cloaca.Context())
        assert result.status == "Completed"
        assert result.final_context.to_dict() == {"fetched": True, "used": True}

    def test_async_task_raising(self, runner, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="async_bad", retry_attempts=1)
            async def async_bad(context):
                raise LookupError("nothing there")

        result = runner.execute(wf_name, cloaca.Context())
        assert result.task_results[0]["error"] == "Python task execution failed: LookupError: nothing there"

    @pytest.mark.parametrize("limit", [1, 2])
    def test_max_concurrent_tasks_is_respected(self, wf_name, limit):
        lock = threading.Lock()
        running, peak = [0], [0]
        # with limit 2, the barrier proves two tasks really run at once; with 1 it is not used
        barrier = threading.Barrier(2, timeout=10) if limit == 2 else None

        def body(context):
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            try:
                if barrier is not None:
                    barrier.wait()
                else:
                    time.sleep(0.02)
            finally:
                with lock:
                    running[0] -= 1
            return context

        with cloaca.WorkflowBuilder(wf_name):
            for i in range(6):
                cloaca.task(id=f"parallel_{i}")(body)

        config = cloaca.DefaultRunnerConfig(max_concurrent_tasks=limit)
        with cloaca.DefaultRunner.with_config(":memory:", config) as runner:
            result = runner.execute(wf_name, cloaca.Context())
        assert result.status == "Completed", result.task_results
        assert peak[0] == limit

    def test_tasks_run_off_the_calling_thread(self, runner, wf_name):
        threads = []
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="where")
            def where(context):
                threads.append(threading.get_ident())
                return context

        runner.execute(wf_name, cloaca.Context())
        assert threads and threads[0] != threading.get_ident()
