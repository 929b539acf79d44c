"""Tasks: the @task decorator, its registries, the builder stack and the engine's call into a task."""

import collections.abc
import json
import sys
import _thread

import cloaca
from cloaca._checks import _bool, _non_negative_int
from cloaca._context import Context
from cloaca._json import _copy, _unpickle
from cloaca._retry import BackoffStrategy, RetryCondition, RetryPolicy


_BACKOFFS = ("fixed", "linear", "exponential")
_CONDITIONS = ("never", "transient", "all")


class _TaskSpec:
    __slots__ = ("id", "dependencies", "retry", "fn", "on_success", "on_failure", "trigger_rule", "wants_handle")

    def __init__(self, id, dependencies, retry, fn, on_success, on_failure, trigger_rule):
        self.id, self.dependencies, self.retry, self.fn = id, dependencies, retry, fn
        self.on_success, self.on_failure = on_success, on_failure
        #: canonical JSON of the rule, None for the default (always)
        self.trigger_rule = trigger_rule
        #: whether fn is called as fn(context, handle)
        self.wants_handle = _wants_handle(fn)


class TaskHandle:
    """What a task receives as its second parameter when that parameter is named ``handle`` (or
    annotated ``TaskHandle``). Valid while the task's attempt runs."""

    __slots__ = ("_handle", "_task")

    def __init__(self, *_args, **_kwargs):
        raise TypeError("TaskHandle has no constructor; a task receives one as its 'handle' parameter")

    @classmethod
    def _wrap(cls, handle, task_id):
        h = object.__new__(cls)
        h._handle, h._task = handle, task_id
        return h

    def defer_until(self, condition, poll_interval_ms=1000):
        """Waits until ``condition()`` is true, asking it at once and then every ``poll_interval_ms``,
        with the task's concurrency slot lent to other tasks meanwhile; takes a slot again before
        returning. The task keeps its claim while it waits; if the process dies, another runner runs
        the task again from its start. A condition that raises (anything a task body may raise,
        ``sys.exit()`` included) ends the wait with a RuntimeError naming the task and the exception."""
        if not callable(condition):
            raise TypeError(f"defer_until condition must be a callable returning a bool, "
                            f"got '{type(condition).__name__}'")
        if isinstance(poll_interval_ms, bool) or not isinstance(poll_interval_ms, int):
            raise TypeError(f"poll_interval_ms must be an int (milliseconds), got '{type(poll_interval_ms).__name__}'")
        if not 0 < poll_interval_ms < 2 ** 63:
            raise ValueError(f"poll_interval_ms must be a positive number of milliseconds below 2**63, "
                             f"got {poll_interval_ms}")
        raised = []

        def probe():
            try:
                return bool(condition())
            except BaseException as e:
                # Reported below, from the task's own frame. BaseException too, as for a task body:
                # a SystemExit or KeyboardInterrupt escaping the probe reached the engine as a Java
                # exception and the task failed in its words, not the ones documented here.
                raised.append(e)
                return True

        self._handle.deferUntil(probe, poll_interval_ms)
        if raised:
            e = raised[0]
            raise RuntimeError(f"TaskHandle.defer_until: the condition of task '{self._task}' raised "
                               f"{_describe(e)}") from e

    def is_slot_held(self):
        """True while the task holds its concurrency slot: always, except inside ``defer_until``."""
        return self._handle.isSlotHeld()

    def __repr__(self):
        return f"TaskHandle(task='{self._task}')"


def _wants_handle(fn):
    """Whether ``fn``'s second parameter is ``handle`` or annotated ``TaskHandle``. Reads the code
    object, not ``inspect`` (importing it costs start-up time on GraalPy)."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return False
    first = 1 if getattr(fn, "__self__", None) is not None else 0  # a bound method's self
    if code.co_argcount < first + 2:
        return False
    name = code.co_varnames[first + 1]
    if name == "handle":
        return True
    annotation = (getattr(fn, "__annotations__", None) or {}).get(name)
    return annotation is TaskHandle or annotation in ("TaskHandle", "cloaca.TaskHandle")


#: Tasks decorated inside ``with WorkflowBuilder(...)``, by full namespace.
_tasks = {}
#: Tasks decorated outside any builder (the tutorials' style), by id; bound when a builder adds them.
_loose_tasks = {}
# _thread's local, not threading's: importing threading costs about half a second of start-up on
# GraalPy, and the builder stack needs nothing else from it.
_local = _thread._local()


def _builder_stack():
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


def _task_id_of(obj):
    """The task id a function was decorated with, else its ``__name__`` (None if it has neither)."""
    task_id = getattr(obj, "__cloaca_task_id__", None)
    if isinstance(task_id, str):
        return task_id
    name = getattr(obj, "__name__", None)
    return name if isinstance(name, str) else None


def _retry_from_keywords(retry_attempts, retry_backoff, retry_delay_ms, retry_max_delay_ms, retry_condition,
                         retry_jitter):
    attempts = 3 if retry_attempts is None else _non_negative_int("retry_attempts", retry_attempts)
    backoff = "exponential" if retry_backoff is None else retry_backoff
    if backoff not in _BACKOFFS:
        raise ValueError(f"Invalid retry_backoff {backoff!r}: expected one of 'fixed', 'linear', 'exponential'")
    condition = "all" if retry_condition is None else retry_condition
    if condition not in _CONDITIONS:
        raise ValueError(f"Invalid retry_condition {condition!r}: expected one of 'never', 'transient', 'all'")
    delay = 1000 if retry_delay_ms is None else _non_negative_int("retry_delay_ms", retry_delay_ms)
    max_delay = 60000 if retry_max_delay_ms is None else _non_negative_int("retry_max_delay_ms", retry_max_delay_ms)
    jitter = True if retry_jitter is None else _bool("retry_jitter", retry_jitter)
    strategy = {"fixed": BackoffStrategy.fixed(), "linear": BackoffStrategy.linear(1.0),
                "exponential": BackoffStrategy.exponential(2.0, 1.0)}[backoff]
    cond = {"never": RetryCondition.never(), "transient": RetryCondition.transient_only(),
            "all": RetryCondition.all_errors()}[condition]
    return RetryPolicy._make(attempts, strategy, delay / 1000.0, max_delay / 1000.0, jitter, cond)


class TaskDecorator:
    """What ``cloaca.task(...)`` returns; applying it to a function registers the task."""

    def __init__(self, id, dependencies, retry, on_success, on_failure, trigger_rules=None):
        self._id, self._dependencies, self._retry = id, dependencies, retry
        self._on_success, self._on_failure = on_success, on_failure
        self._trigger_rules = trigger_rules

    def __call__(self, fn):
        if not callable(fn):
            raise TypeError(f"@cloaca.task must decorate a function, got '{type(fn).__name__}'")
        task_id = self._id if self._id is not None else _task_id_of(fn)
        if not task_id:
            raise ValueError("Task id cannot be empty: pass id=... or decorate a named function")
        rule = None if self._trigger_rules is None else _check_rule(task_id, self._trigger_rules)
        spec = _TaskSpec(task_id, self._dependencies, self._retry, fn, self._on_success, self._on_failure, rule)
        stack = _builder_stack()
        if stack:
            _tasks[stack[-1]._namespace(task_id)] = spec
        else:
            _loose_tasks[task_id] = spec
        try:
            fn.__cloaca_task_id__ = task_id
        except (AttributeError, TypeError):
            pass  # a callable object without __dict__: dependencies on it fall back to __name__
        return fn


def task(*, id=None, dependencies=None, retry=None, retry_attempts=None, retry_backoff=None, retry_delay_ms=None,
         retry_max_delay_ms=None, retry_condition=None, retry_jitter=None, on_success=None, on_failure=None,
         trigger_rules=None):
    """Declares a task: ``@cloaca.task(id="load", dependencies=["extract"], retry_attempts=3)``.

    The function takes a ``Context`` and returns it (or None to keep its in-place changes). Tasks
    decorated inside ``with WorkflowBuilder(...)`` join that workflow; others are added by id with
    ``builder.add_task("id")``. Retries count total executions: ``retry_attempts=3`` runs at most 3 times.
    ``trigger_rules`` (built with ``all_of``, ``context_value``, ``task_failed``...) decides, once the
    dependencies have ended, whether the task runs or ends ``Skipped``.
    """
    if id is not None and not isinstance(id, str):
        raise TypeError(f"id must be a str, got '{type(id).__name__}'")
    deps = []
    if dependencies is not None:
        if isinstance(dependencies, str) or not isinstance(dependencies, (list, tuple)):
            raise TypeError("dependencies must be a list of task ids or decorated functions")
        for i, d in enumerate(dependencies):
            if isinstance(d, str):
                deps.append(d)
            elif _task_id_of(d) is not None:
                deps.append(_task_id_of(d))
            else:
                raise ValueError(f"Dependency {i} must be either a string or a function object with __name__ attribute")
    keywords = {"retry_attempts": retry_attempts, "retry_backoff": retry_backoff, "retry_delay_ms": retry_delay_ms,
                "retry_max_delay_ms": retry_max_delay_ms, "retry_condition": retry_condition,
                "retry_jitter": retry_jitter}
    if retry is not None:
        given = [k for k, v in keywords.items() if v is not None]
        if given:
            raise ValueError(f"@task(retry=RetryPolicy(...)) cannot be combined with the retry_* keyword arguments "
                             f"(got: {', '.join(given)}). Use the RetryPolicy object OR the keywords, not both.")
        if not isinstance(retry, RetryPolicy):
            raise TypeError(f"retry must be a cloaca.RetryPolicy, got '{type(retry).__name__}'")
        policy = retry
    else:
        policy = _retry_from_keywords(**keywords)
    for name, callback in (("on_success", on_success), ("on_failure", on_failure)):
        if callback is not None and not callable(callback):
            raise TypeError(f"{name} must be callable, got '{type(callback).__name__}'")
    return TaskDecorator(id, deps, policy, on_success, on_failure, trigger_rules)


def _check_rule(task_id, rule):
    """The rule's canonical JSON, or ValueError naming the task and the value."""
    prefix = f"@cloaca.task(trigger_rules=...): invalid trigger rule for task '{task_id}': "
    if not isinstance(rule, dict):
        raise ValueError(f"{prefix}expected a rule dict built by cloaca.all_of/any_of/none_of/always/"
                         f"task_success/task_failed/task_skipped/context_value, got {rule!r}")
    try:
        text = json.dumps(rule, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{prefix}{e}: {rule!r}") from None
    return cloaca._host.checkTriggerRule(prefix, text)


def _message(e):
    """``str(e)``, for an error path that must not fail itself: an exception whose ``__str__`` raises
    reads ``<exception str() failed>``, as CPython's traceback prints it."""
    try:
        return str(e)
    except BaseException:
        return "<exception str() failed>"


def _short_repr(value, limit=80):
    """``repr(value)`` cut to ``limit`` characters, for an error path that must not fail itself: a value
    whose ``__repr__`` raises reads ``<repr() failed>``."""
    try:
        return repr(value)[:limit]
    except BaseException:
        return "<repr() failed>"


def _describe(e):
    """``<ExcType>: <message>`` of an exception, as upstream words a task's error."""
    return f"{type(e).__name__}: {_message(e)}"


def _call_callback(name, spec, *args):
    try:
        spec_cb = spec.on_success if name == "on_success" else spec.on_failure
        spec_cb(*args)
    except BaseException as e:  # a callback never changes the task's outcome, sys.exit() in it included
        print(f"[cloaca] {name} callback failed for task '{spec.id}': {_describe(e)}", file=sys.stderr)


def _invoke(spec, input_pickle, handle):
    """Runs one attempt of a task for the engine, on the input context the JVM pickled (``_unpickle``);
    answers JSON ``{"ok": ...}`` and never raises."""
    ctx = Context._wrap(_unpickle(input_pickle))
    try:
        result = spec.fn(ctx, TaskHandle._wrap(handle, spec.id)) if spec.wants_handle else spec.fn(ctx)
        if isinstance(result, collections.abc.Coroutine):
            import asyncio
            result = asyncio.run(result)
        if result is None:
            result = ctx
        elif not isinstance(result, Context):
            raise TypeError(f"task '{spec.id}' returned '{type(result).__name__}'; "
                            f"a task must return a cloaca.Context or None")
        output = result.to_json()
    except BaseException as e:
        # BaseException too: sys.exit() or a KeyboardInterrupt raised by a task body fails that task,
        # as upstream (which caught every Python exception); otherwise it escaped to the engine as a
        # Java exception, recorded without upstream's wording or the script's traceback. Ctrl-C is not
        # among these: it is raised in the script's main thread, never in a task's.
        error = f"Python task execution failed: {_describe(e)}"
        import traceback  # only on the error path: importing it costs start-up time
        details = "".join(traceback.format_exception(type(e), e, e.__traceback__))
        if spec.on_failure is not None:
            _call_callback("on_failure", spec, spec.id, error, Context._wrap(_unpickle(input_pickle)))
        return json.dumps({"ok": False, "error": error, "details": details})
    if spec.on_success is not None:
        # A copy of what was stored: result holds JSON types only (set converts), so this is what
        # json.loads(output) gave, without GraalPy's parser (quadratic in a list's length).
        _call_callback("on_success", spec, spec.id, Context._wrap(_copy(result._data)))
    return '{"ok":true,"context":' + output + '}'
