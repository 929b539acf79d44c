"""cloaca: durable workflows, run by the cloaca-jvm engine inside the JVM.

The API follows the Python bindings of Cloacina (the ``cloaca`` package), so scripts written for them
run unchanged. This module is a thin layer: it turns the Pythonic API (keywords, decorators, context
managers) into calls on one Java host object, and carries contexts across as JSON text.
"""

import builtins
import collections.abc
import json
import math
import sys
import _thread

#: The Maven project version of cloaca-jvm (as ``cloaca --version``); set when the JVM binds the module.
__version__ = "unknown"
#: Kept for scripts written for upstream's mid-2025 wheels; the backend is chosen by URL at run time.
__backend__ = "sqlite"

__all__ = [
    "Context", "task", "WorkflowBuilder", "Workflow", "register_workflow_constructor",
    "DefaultRunnerConfig", "DefaultRunner", "PipelineResult", "WorkflowResult",
    "TaskNamespace", "WorkflowContext", "RetryPolicy", "RetryPolicyBuilder", "BackoffStrategy",
    "RetryCondition", "hello_world", "HelloClass", "get_backend", "get_version",
    "DatabaseAdmin", "TenantConfig", "TenantCredentials",
    "context_value", "task_success", "task_failed", "task_skipped", "all_of", "any_of", "none_of", "always",
    "trigger", "TriggerResult", "TriggerDecorator",
    "TaskHandle",
]

_host = None


def _bind(host):
    """Called by the JVM once the module is loaded: ``host`` is the CloacaHost every call goes to."""
    global _host, __version__
    _host = host
    __version__ = host.version()
    for name, value in json.loads(host.runnerDefaults()).items():
        (_CONFIG_DEFAULTS if name in _CONFIG_DEFAULTS else _CONFIG_EXTENSIONS)[name] = value


def _raise(kind, message):
    """Called from Java to raise a builtin exception that Python code can catch by type."""
    raise getattr(builtins, kind)(message)


# --------------------------------------------------------------------------------------------------
# JSON values
# --------------------------------------------------------------------------------------------------

_INT_MIN = -(2 ** 63)
_INT_MAX = 2 ** 64 - 1
_ACCEPTED = "None, bool, int, float, str, list, tuple, set and dict with str keys"


def _to_json(value, where=None):
    """A copy of ``value`` made only of JSON types, or TypeError/OverflowError/ValueError saying what is
    wrong. ``where`` names ``value`` in messages; None means ``value`` is a whole context's dict, whose
    values are then named by their keys."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if value < _INT_MIN or value > _INT_MAX:
            raise OverflowError(f"{where}: int {value} does not fit in 64 bits")
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _non_finite(where, value)
        return float(value)
    if isinstance(value, dict) or (isinstance(value, collections.abc.Mapping)):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"unsupported type: {where or 'the context'} has a key of type "
                                f"'{type(k).__name__}' ({k!r}); context dict keys must be str")
            out[k] = _to_json(v, f"value of {k!r}" if where is None else f"{where}[{k!r}]")
        return out
    if isinstance(value, (list, tuple, set, frozenset)) or (
            isinstance(value, collections.abc.Sequence) and not isinstance(value, (bytes, bytearray))):
        return [_to_json(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise TypeError(f"unsupported type {type(value).__name__}: {where} is not JSON-serialisable "
                    f"(accepted: {_ACCEPTED})")


def _non_finite(where, value):
    # Upstream stored these as null, which loses the value without a word.
    return ValueError(f"{where} is {value!r}: a context holds JSON, which has no NaN or infinity; "
                      f"store None or a str instead")


def _find_non_finite(value, where=None):
    """``(name, value)`` of the first NaN or infinity inside a parsed JSON value, or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return where, value
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for k, v in items:
        found = _find_non_finite(v, f"value of {k!r}" if where is None else f"{where}[{k!r}]")
        if found is not None:
            return found
    return None


def _copy(value):
    """A deep copy of a JSON value (faster than copy.deepcopy for these types)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _check_key(key):
    if not isinstance(key, str):
        raise TypeError(f"context keys must be str, got '{type(key).__name__}'")


# --------------------------------------------------------------------------------------------------
# Context
# --------------------------------------------------------------------------------------------------

class Context:
    """A mapping from str to JSON values, passed from task to task and persisted after each one.

    Values are copied in and out: mutating what ``get`` returned does not change the context; set it
    again. Anything that is not JSON-serialisable is refused when it is stored, with a TypeError (a
    ValueError for NaN and infinity).
    """

    __slots__ = ("_data",)

    def __init__(self, data=None):
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise TypeError(f"Context() argument must be a dict, got '{type(data).__name__}'")
        self._data = _to_json(data)

    @classmethod
    def _wrap(cls, data):
        ctx = cls.__new__(cls)
        ctx._data = data
        return ctx

    def get(self, key, default=None):
        """The value of ``key`` (a copy), or ``default`` when the key is absent."""
        _check_key(key)
        if key in self._data:
            return _copy(self._data[key])
        return default

    def set(self, key, value):
        """Inserts or replaces ``key``."""
        _check_key(key)
        self._data[key] = _to_json(value, f"value of {key!r}")

    def insert(self, key, value):
        """Adds ``key``; ValueError if it already exists."""
        _check_key(key)
        converted = _to_json(value, f"value of {key!r}")
        if key in self._data:
            raise ValueError(f"Key already exists: {key}")
        self._data[key] = converted

    def update(self, key, value):
        """Replaces the value of an existing ``key``; KeyError if it is absent."""
        _check_key(key)
        converted = _to_json(value, f"value of {key!r}")
        if key not in self._data:
            raise KeyError(f"Key not found: {key}")
        self._data[key] = converted

    def remove(self, key):
        """Removes ``key`` and returns its value, or None if it was absent."""
        _check_key(key)
        return self._data.pop(key, None)

    def to_dict(self):
        return _copy(self._data)

    def update_from_dict(self, data):
        """Sets every pair of ``data``; nothing is changed if any value is refused."""
        if not isinstance(data, dict):
            raise TypeError(f"update_from_dict() argument must be a dict, got '{type(data).__name__}'")
        self._data.update(_to_json(data))

    def to_json(self):
        return json.dumps(self._data, separators=(",", ":"), ensure_ascii=False)

    @staticmethod
    def from_json(json_str):
        """A Context holding the JSON object ``json_str``; ValueError for any other text, and for the
        NaN and Infinity that Python's json module writes but JSON does not have."""
        constants = []

        def constant(name):
            constants.append(name)
            return float(name)

        try:
            data = json.loads(json_str, parse_constant=constant)
        except (TypeError, ValueError) as e:
            raise ValueError(f"Failed to deserialize from JSON: Serialization error: {e}") from None
        if not isinstance(data, dict):
            raise ValueError("Failed to deserialize from JSON: Serialization error: "
                             f"expected a JSON object, got {type(data).__name__}")
        if constants:
            raise ValueError("Failed to deserialize from JSON: Serialization error: "
                             f"{_non_finite(*_find_non_finite(data))}")
        return Context._wrap(data)

    def __len__(self):
        return len(self._data)

    def __contains__(self, key):
        _check_key(key)
        return key in self._data

    def __getitem__(self, key):
        value = self.get(key)
        if value is None:
            raise KeyError(f"Key not found: '{key}'")
        return value

    def __setitem__(self, key, value):
        self.set(key, value)

    def __delitem__(self, key):
        _check_key(key)
        if key not in self._data:
            raise KeyError(f"Key not found: '{key}'")
        del self._data[key]

    def __repr__(self):
        return f"Context({self.to_json()})"


# --------------------------------------------------------------------------------------------------
# Retry value objects
# --------------------------------------------------------------------------------------------------

def _num(x):
    return int(x) if float(x).is_integer() else x


class BackoffStrategy:
    """How the delay grows between attempts. Build with ``fixed()``, ``linear()`` or ``exponential()``."""

    __slots__ = ("kind", "base", "multiplier")

    def __init__(self, *_args, **_kwargs):
        raise TypeError("BackoffStrategy has no constructor; use BackoffStrategy.fixed(), .linear() or .exponential()")

    @classmethod
    def _make(cls, kind, base=None, multiplier=None):
        b = object.__new__(cls)
        b.kind, b.base, b.multiplier = kind, base, multiplier
        return b

    @staticmethod
    def fixed():
        return BackoffStrategy._make("fixed")

    @staticmethod
    def linear(multiplier=None):
        return BackoffStrategy._make("linear", multiplier=1.0 if multiplier is None else float(multiplier))

    @staticmethod
    def exponential(base=None, multiplier=None):
        return BackoffStrategy._make("exponential", base=2.0 if base is None else float(base),
                                     multiplier=1.0 if multiplier is None else float(multiplier))

    def _factor(self, attempt):
        if self.kind == "fixed":
            return 1.0
        if self.kind == "linear":
            return attempt * self.multiplier
        return self.multiplier * self.base ** (attempt - 1)

    def __repr__(self):
        if self.kind == "fixed":
            return "BackoffStrategy.Fixed"
        if self.kind == "linear":
            return f"BackoffStrategy.Linear(multiplier={_num(self.multiplier)})"
        return f"BackoffStrategy.Exponential(base={_num(self.base)}, multiplier={_num(self.multiplier)})"


class RetryCondition:
    """Which errors are retried. Build with ``never()``, ``transient_only()``, ``all_errors()`` or ``error_pattern()``."""

    __slots__ = ("kind", "patterns")

    def __init__(self, *_args, **_kwargs):
        raise TypeError("RetryCondition has no constructor; use RetryCondition.never(), .transient_only(), "
                        ".all_errors() or .error_pattern(patterns)")

    @classmethod
    def _make(cls, kind, patterns=None):
        c = object.__new__(cls)
        c.kind, c.patterns = kind, patterns
        return c

    @staticmethod
    def never():
        return RetryCondition._make("never")

    @staticmethod
    def transient_only():
        return RetryCondition._make("transient")

    @staticmethod
    def all_errors():
        return RetryCondition._make("all")

    @staticmethod
    def error_pattern(patterns):
        if isinstance(patterns, str) or not all(isinstance(p, str) for p in patterns):
            raise TypeError("error_pattern() takes a list of str")
        return RetryCondition._make("pattern", list(patterns))

    def __repr__(self):
        names = {"never": "Never", "transient": "TransientOnly", "all": "AllErrors"}
        if self.kind == "pattern":
            return f"RetryCondition.ErrorPattern(patterns={self.patterns!r})"
        return f"RetryCondition.{names[self.kind]}"


_TRANSIENT = ("timeout", "connection", "network", "temporary", "unavailable", "busy", "overloaded", "rate limit")


class RetryPolicy:
    """Retry settings of a task: total attempts, backoff, delays, jitter and condition.

    Build with ``RetryPolicy.builder()...build()`` or take ``RetryPolicy.default()``; attach with
    ``@cloaca.task(retry=policy)``.
    """

    __slots__ = ("_max_attempts", "_backoff", "_initial_delay", "_max_delay", "_jitter", "_condition")

    def __init__(self, *_args, **_kwargs):
        raise TypeError("RetryPolicy has no constructor; use RetryPolicy.builder() or RetryPolicy.default()")

    @classmethod
    def _make(cls, max_attempts, backoff, initial_delay, max_delay, jitter, condition):
        p = object.__new__(cls)
        p._max_attempts, p._backoff = max_attempts, backoff
        p._initial_delay, p._max_delay = initial_delay, max_delay
        p._jitter, p._condition = jitter, condition
        return p

    @staticmethod
    def default():
        return RetryPolicy._make(3, BackoffStrategy.exponential(2.0, 1.0), 1.0, 60.0, True, RetryCondition.all_errors())

    @staticmethod
    def builder():
        return RetryPolicyBuilder._from(RetryPolicy.default())

    @property
    def max_attempts(self):
        return self._max_attempts

    @property
    def initial_delay(self):
        return self._initial_delay

    @property
    def max_delay(self):
        return self._max_delay

    @property
    def with_jitter(self):
        return self._jitter

    def should_retry(self, attempt, error_type=None):
        return attempt < self._max_attempts

    def calculate_delay(self, attempt):
        import random
        delay = min(self._initial_delay * self._backoff._factor(attempt), self._max_delay)
        if self._jitter:
            delay *= random.uniform(0.75, 1.25)
        return delay

    def _to_java(self):
        b, c = self._backoff, self._condition
        return {"max_attempts": self._max_attempts, "backoff": b.kind, "base": b.base, "multiplier": b.multiplier,
                "initial_delay": self._initial_delay, "max_delay": self._max_delay, "jitter": self._jitter,
                "condition": c.kind, "patterns": c.patterns}

    def __repr__(self):
        return (f"RetryPolicy(max_attempts={self._max_attempts}, initial_delay={_num(self._initial_delay)}s, "
                f"max_delay={_num(self._max_delay)}s, jitter={str(self._jitter).lower()})")


class RetryPolicyBuilder:
    """Immutable: every method returns a new builder."""

    __slots__ = ("_fields",)

    def __init__(self, *_args, **_kwargs):
        raise TypeError("RetryPolicyBuilder has no constructor; use RetryPolicy.builder()")

    @classmethod
    def _from(cls, policy, **changes):
        b = object.__new__(cls)
        fields = {"max_attempts": policy._max_attempts, "backoff": policy._backoff,
                  "initial_delay": policy._initial_delay, "max_delay": policy._max_delay,
                  "jitter": policy._jitter, "condition": policy._condition}
        fields.update(changes)
        b._fields = fields
        return b

    def _with(self, **changes):
        b = object.__new__(RetryPolicyBuilder)
        b._fields = {**self._fields, **changes}
        return b

    def max_attempts(self, n):
        return self._with(max_attempts=_non_negative_int("max_attempts", n))

    def initial_delay(self, seconds):
        return self._with(initial_delay=_non_negative_float("initial_delay", seconds))

    def max_delay(self, seconds):
        return self._with(max_delay=_non_negative_float("max_delay", seconds))

    def backoff_strategy(self, strategy):
        if not isinstance(strategy, BackoffStrategy):
            raise TypeError(f"backoff_strategy() takes a BackoffStrategy, got '{type(strategy).__name__}'")
        return self._with(backoff=strategy)

    def retry_condition(self, condition):
        if not isinstance(condition, RetryCondition):
            raise TypeError(f"retry_condition() takes a RetryCondition, got '{type(condition).__name__}'")
        return self._with(condition=condition)

    def with_jitter(self, jitter):
        return self._with(jitter=_bool("with_jitter", jitter))

    def build(self):
        f = self._fields
        return RetryPolicy._make(f["max_attempts"], f["backoff"], f["initial_delay"], f["max_delay"], f["jitter"],
                                 f["condition"])


def _non_negative_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got '{type(value).__name__}'")
    if value < 0:
        raise OverflowError(f"{name} must not be negative, got {value}")
    return value


def _non_negative_float(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, got '{type(value).__name__}'")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return float(value)


def _bool(name, value):
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got '{type(value).__name__}'")
    return value


# --------------------------------------------------------------------------------------------------
# Tasks
# --------------------------------------------------------------------------------------------------

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
        the task again from its start. A condition that raises ends the wait with a RuntimeError
        naming the task and the exception."""
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
            except Exception as e:  # reported below, from the task's own frame
                raised.append(e)
                return True

        self._handle.deferUntil(probe, poll_interval_ms)
        if raised:
            e = raised[0]
            raise RuntimeError(f"TaskHandle.defer_until: the condition of task '{self._task}' raised "
                               f"{type(e).__name__}: {e}") from e

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
    return _host.checkTriggerRule(prefix, text)


# Trigger-rule builders (upstream's H era): plain dicts in the engine's serde form.

def context_value(key, operator, value=None):
    """True when the task's input has ``key`` related to ``value`` by ``operator``: ``"=="``/``"eq"``,
    ``"!="``/``"ne"``, ``">"``/``"gt"``, ``"<"``/``"lt"``, ``"contains"``, ``"not_contains"``,
    ``"exists"``, ``"not_exists"`` (any case, ``_`` optional)."""
    if not isinstance(key, str):
        raise TypeError(f"context_value() key must be a str, got '{type(key).__name__}'")
    if not isinstance(operator, str):
        raise TypeError(f"context_value() operator must be a str, got '{type(operator).__name__}'")
    value = _to_json(value, f"context_value({key!r}) value")
    return {"type": "ContextValue", "key": key, "operator": _host.triggerOperator(operator), "value": value}


def _task_condition(kind, task_name):
    if not isinstance(task_name, str) or not task_name:
        raise TypeError(f"{kind} needs a task id (a non-empty str), got {task_name!r}")
    return {"type": kind, "task_name": task_name}


def task_success(task_name):
    """True when the task ``task_name`` (an id of this workflow, or a full namespace) completed."""
    return _task_condition("TaskSuccess", task_name)


def task_failed(task_name):
    """True when the task ``task_name`` failed."""
    return _task_condition("TaskFailed", task_name)


def task_skipped(task_name):
    """True when the task ``task_name`` was skipped by its own rule."""
    return _task_condition("TaskSkipped", task_name)


def all_of(*conditions):
    """True when every condition is (so with none)."""
    return {"type": "All", "conditions": list(conditions)}


def any_of(*conditions):
    """True when at least one condition is."""
    return {"type": "Any", "conditions": list(conditions)}


def none_of(*conditions):
    """True when no condition is."""
    return {"type": "None", "conditions": list(conditions)}


def always():
    """The default rule: run once the dependencies have ended, whatever their outcome."""
    return {"type": "Always"}


def _call_callback(name, spec, *args):
    try:
        spec_cb = spec.on_success if name == "on_success" else spec.on_failure
        spec_cb(*args)
    except Exception as e:  # a callback never changes the task's outcome
        print(f"[cloaca] {name} callback failed for task '{spec.id}': {type(e).__name__}: {e}", file=sys.stderr)


def _invoke(spec, input_json, handle):
    """Runs one attempt of a task for the engine; answers JSON ``{"ok": ...}`` and never raises."""
    ctx = Context._wrap(json.loads(input_json))
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
    except Exception as e:
        error = f"Python task execution failed: {type(e).__name__}: {e}"
        import traceback  # only on the error path: importing it costs start-up time
        details = "".join(traceback.format_exception(type(e), e, e.__traceback__))
        if spec.on_failure is not None:
            _call_callback("on_failure", spec, spec.id, error, Context._wrap(json.loads(input_json)))
        return json.dumps({"ok": False, "error": error, "details": details})
    if spec.on_success is not None:
        _call_callback("on_success", spec, spec.id, Context._wrap(json.loads(output)))
    return '{"ok":true,"context":' + output + '}'


# --------------------------------------------------------------------------------------------------
# Workflows
# --------------------------------------------------------------------------------------------------

class Workflow:
    """A validated workflow, returned by ``WorkflowBuilder.build()``; register it with
    ``register_workflow_constructor``."""

    __slots__ = ("_handle",)

    def __init__(self, *_args, **_kwargs):
        raise TypeError("Workflow has no constructor; build one with cloaca.WorkflowBuilder(...).build()")

    @classmethod
    def _wrap(cls, handle):
        w = object.__new__(cls)
        w._handle = handle
        return w

    @property
    def name(self):
        return self._handle.name()

    @property
    def description(self):
        return self._handle.description()

    @property
    def version(self):
        return self._handle.version()

    def topological_sort(self):
        return json.loads(self._handle.topologicalSort())

    def get_execution_levels(self):
        return json.loads(self._handle.executionLevels())

    def get_roots(self):
        return json.loads(self._handle.roots())

    def get_leaves(self):
        return json.loads(self._handle.leaves())

    def validate(self):
        """Workflows are validated when built, so this always passes."""
        return None

    def __repr__(self):
        return f"Workflow(name='{self.name}', tasks={self._handle.taskCount()})"


def _build(error_prefix, name, description, tags, ns_prefix, specs):
    tasks = []
    for spec in specs:
        invoker = (lambda s: lambda input_json, handle: _invoke(s, input_json, handle))(spec)
        tasks.append([ns_prefix + spec.id, [ns_prefix + d for d in spec.dependencies],
                      json.dumps(spec.retry._to_java()), invoker, spec.trigger_rule])
    return Workflow._wrap(_host.buildWorkflow(error_prefix, name, description, json.dumps(tags), tasks))


class WorkflowBuilder:
    """Assembles a workflow, in either of two styles.

    As a context manager, every task decorated inside the block joins the workflow, which is registered
    when the block ends. As a builder: ``add_task("id")`` for each task, then ``build()``, and register
    the result with ``register_workflow_constructor``.
    """

    def __init__(self, name, *, tenant=None, package=None, workflow=None):
        if not isinstance(name, str):
            raise TypeError(f"WorkflowBuilder name must be a str, got '{type(name).__name__}'")
        self._name = name
        self._tenant = tenant or "public"
        self._package = package or "embedded"
        self._workflow = workflow or name
        self._description = ""
        self._tags = {}
        self._added = {}

    def _namespace(self, task_id):
        return f"{self._tenant}::{self._package}::{self._workflow}::{task_id}"

    def description(self, text):
        if not isinstance(text, str):
            raise TypeError(f"description must be a str, got '{type(text).__name__}'")
        self._description = text

    def tag(self, key, value):
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError("tag key and value must be str")
        self._tags[key] = value

    def add_task(self, task):
        if isinstance(task, str):
            task_id = task
        else:
            task_id = _task_id_of(task)
            if task_id is None:
                raise ValueError("Task must be either a string task ID or a function object with __name__ attribute")
        ns = self._namespace(task_id)
        spec = _tasks.get(ns) or _loose_tasks.get(task_id)
        if spec is None:
            raise ValueError(f"Task '{task_id}' not found in registry. Make sure it was decorated with @task.")
        if task_id in self._added:
            raise ValueError(f"Failed to add task: Duplicate task: {ns}")
        self._added[task_id] = spec

    def build(self):
        return _build("Failed to build workflow: ", self._name, self._description, self._tags,
                      self._namespace(""), list(self._added.values()))

    def __enter__(self):
        _builder_stack().append(self)
        return self

    def __exit__(self, exc_type, exc, tb):
        stack = _builder_stack()
        if stack and stack[-1] is self:
            stack.pop()
        if exc_type is not None:
            # Building a half-declared workflow would replace the block's error with a validation error
            # about the missing rest (upstream does; the user then reads the wrong message).
            return False
        prefix = self._namespace("")
        specs = {ns[len(prefix):]: spec for ns, spec in _tasks.items() if ns.startswith(prefix)}
        for task_id, spec in self._added.items():
            specs.setdefault(task_id, spec)
        workflow = _build("Workflow validation failed: ", self._workflow, self._description, self._tags, prefix,
                          list(specs.values()))
        _host.registerWorkflow(self._workflow, workflow._handle)
        return False

    def __repr__(self):
        return f"WorkflowBuilder(name='{self._name}')"


def register_workflow_constructor(name, constructor):
    """Calls ``constructor()`` once and registers the Workflow it returns under ``name``."""
    if not isinstance(name, str):
        raise TypeError(f"workflow name must be a str, got '{type(name).__name__}'")
    try:
        workflow = constructor()
    except Exception as e:
        raise ValueError(f"Failed to call workflow constructor: {e}") from e
    if not isinstance(workflow, Workflow):
        raise ValueError(f"Failed to extract workflow from constructor: expected a cloaca.Workflow, "
                         f"got '{type(workflow).__name__}'")
    _host.registerWorkflow(name, workflow._handle)


# --------------------------------------------------------------------------------------------------
# Event triggers
# --------------------------------------------------------------------------------------------------

class TriggerResult:
    """What a trigger's poll function returns: ``TriggerResult.skip()`` (nothing happened) or
    ``TriggerResult.fire(context=None)`` (start the trigger's workflow with this Context)."""

    __slots__ = ("_fire", "_context")

    def __init__(self, *_args, **_kwargs):
        raise TypeError("TriggerResult has no constructor; use TriggerResult.skip() or TriggerResult.fire(context)")

    @classmethod
    def _make(cls, fire, context):
        r = object.__new__(cls)
        r._fire = fire
        r._context = context
        return r

    @staticmethod
    def skip():
        return TriggerResult._make(False, None)

    @staticmethod
    def fire(context=None):
        if context is not None and not isinstance(context, Context):
            raise TypeError(f"TriggerResult.fire(context) takes a cloaca.Context or None, "
                            f"got '{type(context).__name__}'")
        return TriggerResult._make(True, None if context is None else Context._wrap(_copy(context.to_dict())))

    def is_fire_result(self):
        return self._fire

    def is_skip_result(self):
        return not self._fire

    def __repr__(self):
        if not self._fire:
            return "TriggerResult.Skip"
        return f"TriggerResult.Fire({'None' if self._context is None else repr(self._context)})"


def _poll_trigger(name, fn):
    """Calls a trigger's poll function for the engine; answers JSON and never raises."""
    try:
        result = fn()
    except Exception as e:
        return json.dumps({"ok": False, "error": f"Trigger '{name}' poll raised {type(e).__name__}: {e}"})
    if not isinstance(result, TriggerResult):
        return json.dumps({"ok": False, "error": f"Trigger '{name}' must return TriggerResult, got: "
                                                 f"{type(result).__name__} ({result!r:.80})"})
    if not result._fire or result._context is None:
        return json.dumps({"ok": True, "fire": result._fire, "context": None})
    return '{"ok":true,"fire":true,"context":' + result._context.to_json() + '}'


class TriggerDecorator:
    """What ``cloaca.trigger(...)`` returns; applied to the poll function, it defines the trigger."""

    def __init__(self, workflow, name, poll_interval, cron, timezone, allow_concurrent):
        self._workflow = workflow
        self._name = name
        self._poll_interval = poll_interval
        self._cron = cron
        self._timezone = timezone
        self._allow_concurrent = allow_concurrent

    def __call__(self, fn):
        if not callable(fn):
            raise TypeError(f"@cloaca.trigger must decorate a function, got '{type(fn).__name__}'")
        name = self._name if self._name is not None else getattr(fn, "__name__", None)
        if not isinstance(name, str) or not name:
            raise ValueError("@cloaca.trigger: the trigger has no name; pass name='...'")
        if self._workflow is None:
            raise ValueError(f"Trigger '{name}' has no workflow: bind it with on='workflow_name' "
                             f"(or the older @cloaca.trigger('workflow_name'))")
        if self._cron is not None and self._poll_interval is not None:
            raise ValueError(f"Trigger '{name}': cron='{self._cron}' and poll_interval='{self._poll_interval}' "
                             f"cannot be combined; give one of them")
        poll_interval = self._poll_interval if self._poll_interval is not None else self._default_interval
        _host.defineTrigger(name, self._workflow, poll_interval, self._cron, self._timezone,
                            self._allow_concurrent, lambda: _poll_trigger(name, fn))
        return fn


def trigger(workflow=None, *, name=None, on=None, poll_interval=None, cron=None, timezone=None,
            allow_concurrent=False):
    """Defines an event trigger: the decorated function takes no argument, is polled at
    ``poll_interval`` (``"100ms"``, ``"5s"``, ``"2m"`` or a bare number of seconds) or at the instants of
    ``cron`` (in ``timezone``, default UTC), and returns ``TriggerResult.skip()`` or
    ``TriggerResult.fire(context)``. Each fire starts the workflow with the context plus
    ``trigger_name`` and ``triggered_at``; while an execution started with the identical context is
    running it is not started again, unless ``allow_concurrent=True``.

    Both of upstream's signatures work: ``@trigger("workflow", poll_interval="5s")`` (default interval
    5 s) and ``@trigger(on="workflow", poll_interval=... or cron=...)`` (default 30 s). Every runner the
    script opens (before or after) polls the trigger, once per interval across all processes that
    share its database."""
    if workflow is not None and on is not None:
        raise ValueError(f"@cloaca.trigger: give the workflow once, positionally ('{workflow}') or as on='{on}'")
    for label, value in (("workflow", workflow), ("on", on), ("name", name), ("poll_interval", poll_interval),
                         ("cron", cron), ("timezone", timezone)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"@cloaca.trigger: {label} must be a str, got '{type(value).__name__}'")
    _bool("allow_concurrent", allow_concurrent)
    if cron is not None and on is None and workflow is None:
        raise ValueError(f"@cloaca.trigger{'' if name is None else ' ' + repr(name)}: cron='{cron}' requires "
                         f"on='workflow_name' (the workflow each instant may start)")
    if timezone is not None and cron is None:
        raise ValueError(f"@cloaca.trigger{'' if name is None else ' ' + repr(name)}: timezone='{timezone}' "
                         f"applies to cron=... only")
    decorator = TriggerDecorator(workflow if workflow is not None else on, name, poll_interval, cron, timezone,
                                 allow_concurrent)
    # Upstream's two eras differ in the default interval: 5 s with the positional workflow, 30 s with on=.
    decorator._default_interval = None if cron is not None else ("5s" if workflow is not None else "30s")
    return decorator


def _forget_trigger(name):
    """Stops polling trigger ``name`` in this process (its rows stay): for tests and the REPL."""
    _host.forgetTrigger(name)


class _TriggerMethods:
    """DefaultRunner's trigger management, kept apart from the rest of the runner."""

    def list_trigger_schedules(self, enabled_only=None, limit=None, offset=None):
        """Trigger rows of this runner's database as dicts, by name (defaults: all, 100, 0): ``id``,
        ``trigger_name``, ``workflow_name``, ``poll_interval_ms`` (None for a cron trigger),
        ``allow_concurrent``, ``enabled``, ``last_poll_at``, ``created_at``, ``updated_at``, then
        ``cron_expression``, ``timezone`` and ``next_poll_at``."""
        enabled_only = False if enabled_only is None else _bool("enabled_only", enabled_only)
        return json.loads(self._handle.listTriggers(enabled_only, _page("limit", limit, 100),
                                                    _page("offset", offset, 0)))

    def get_trigger_schedule(self, trigger_name):
        """A trigger's row as a dict (as ``list_trigger_schedules``), or None if it is unknown."""
        _check_str("trigger_name", trigger_name)
        found = self._handle.getTrigger(trigger_name)
        return None if found is None else json.loads(found)

    def set_trigger_enabled(self, trigger_name, enabled):
        """Enables or disables a trigger for every process on the database; ValueError if it is unknown."""
        _check_str("trigger_name", trigger_name)
        self._handle.setTriggerEnabled(trigger_name, _bool("enabled", enabled))

    def get_trigger_execution_history(self, trigger_name, limit=None, offset=None):
        """A trigger's polls that fired or failed, newest first (defaults: 100, 0): dicts with ``id``,
        ``trigger_name``, ``context_hash``, ``pipeline_execution_id``, ``started_at``, ``completed_at``,
        ``created_at``, then ``outcome`` (``fired`` or ``error``), ``detail`` (the error) and
        ``execution_status``. Polls that skipped are not recorded."""
        _check_str("trigger_name", trigger_name)
        return json.loads(self._handle.triggerHistory(trigger_name, _page("limit", limit, 100),
                                                      _page("offset", offset, 0)))


# --------------------------------------------------------------------------------------------------
# Runner
# --------------------------------------------------------------------------------------------------

#: Upstream's fifteen knobs, in upstream's order. Those the engine reads (None here) take their defaults
#: from the Java RunnerConfig when the module is bound (_bind), so that Python and Java never disagree;
#: the others are kept for upstream's API and change nothing.
_CONFIG_DEFAULTS = {
    "max_concurrent_tasks": None,
    "executor_poll_interval_ms": None,
    "scheduler_poll_interval_ms": 100,
    "task_timeout_seconds": None,
    "pipeline_timeout_seconds": None,
    "db_pool_size": None,
    "enable_recovery": True,
    "enable_cron_scheduling": True,
    "cron_poll_interval_seconds": 30,
    "cron_max_catchup_executions": 100,
    "cron_enable_recovery": True,
    "cron_recovery_interval_seconds": 300,
    "cron_lost_threshold_minutes": 10,
    "cron_max_recovery_age_seconds": 86400,
    "cron_max_recovery_attempts": 3,
}
_POSITIVE = {"max_concurrent_tasks", "executor_poll_interval_ms", "scheduler_poll_interval_ms",
             "task_timeout_seconds", "pipeline_timeout_seconds", "db_pool_size", "cron_poll_interval_seconds",
             "cron_recovery_interval_seconds", "cron_lost_threshold_minutes", "cron_max_recovery_age_seconds"}


#: Durability knobs of this engine (not in upstream's to_dict), defaults from RunnerConfig as above.
_CONFIG_EXTENSIONS = {
    "stale_claim_threshold_seconds": None,
    "heartbeat_interval_seconds": None,
    "stale_claim_sweep_interval_seconds": None,
    "max_recovery_attempts": None,
    "shutdown_timeout_seconds": None,
    "enable_trigger_scheduling": None,
    "trigger_poll_timeout_seconds": None,
}
#: Knobs given in seconds that may be fractional.
_FRACTIONAL_SECONDS = {"stale_claim_threshold_seconds", "heartbeat_interval_seconds",
                       "stale_claim_sweep_interval_seconds", "shutdown_timeout_seconds", "trigger_poll_timeout_seconds"}


def _check_knob(name, value):
    if name == "pipeline_timeout_seconds" and value is None:
        return None
    if name in _FRACTIONAL_SECONDS:
        value = _non_negative_float(name, value)
        if value <= 0 and name != "shutdown_timeout_seconds":
            raise ValueError(f"{name} must be greater than 0, got {value}")
        return value
    if isinstance({**_CONFIG_DEFAULTS, **_CONFIG_EXTENSIONS}[name], bool):
        return _bool(name, value)
    value = _non_negative_int(name, value)
    if name in _POSITIVE and value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


class DefaultRunnerConfig:
    """Runner settings. Every argument defaults to None, meaning "keep the default"; every name is also
    a read/write property. ``workflow_timeout_seconds`` is an alias of ``pipeline_timeout_seconds``.

    Besides upstream's fifteen knobs (those ``to_dict`` returns), keyword-only durability knobs:
    ``stale_claim_threshold_seconds`` (lease of a claimed task), ``heartbeat_interval_seconds``,
    ``stale_claim_sweep_interval_seconds``, ``max_recovery_attempts`` and ``shutdown_timeout_seconds``;
    trigger knobs ``enable_trigger_scheduling`` and ``trigger_poll_timeout_seconds`` (how long a poll may
    take before it is recorded as failed).
    ``executor_poll_interval_ms`` sets how often the runner looks for work it did not create (other
    processes' executions, recovered tasks). The defaults are the engine's (Java ``RunnerConfig``), so
    ``DefaultRunner(url)`` and ``DefaultRunner.with_config(url, DefaultRunnerConfig())`` run alike; read
    them from a new config's properties."""

    def __init__(self, max_concurrent_tasks=None, executor_poll_interval_ms=None, scheduler_poll_interval_ms=None,
                 task_timeout_seconds=None, pipeline_timeout_seconds=None, db_pool_size=None, enable_recovery=None,
                 enable_cron_scheduling=None, cron_poll_interval_seconds=None, cron_max_catchup_executions=None,
                 cron_enable_recovery=None, cron_recovery_interval_seconds=None, cron_lost_threshold_minutes=None,
                 cron_max_recovery_age_seconds=None, cron_max_recovery_attempts=None, *,
                 workflow_timeout_seconds=None, stale_claim_threshold_seconds=None, heartbeat_interval_seconds=None,
                 stale_claim_sweep_interval_seconds=None, max_recovery_attempts=None, shutdown_timeout_seconds=None,
                 enable_trigger_scheduling=None, trigger_poll_timeout_seconds=None):
        given = dict(locals())
        given.pop("self")
        alias = given.pop("workflow_timeout_seconds")
        if alias is not None:
            if given["pipeline_timeout_seconds"] is not None:
                raise ValueError("Give pipeline_timeout_seconds or workflow_timeout_seconds, not both")
            given["pipeline_timeout_seconds"] = alias
        values = dict(_CONFIG_DEFAULTS)
        values.update(_CONFIG_EXTENSIONS)
        for name, value in given.items():
            if value is not None:
                values[name] = _check_knob(name, value)
        object.__setattr__(self, "_values", values)

    @staticmethod
    def default():
        return DefaultRunnerConfig()

    def __getattr__(self, name):
        values = object.__getattribute__(self, "_values")
        if name == "workflow_timeout_seconds":
            name = "pipeline_timeout_seconds"
        if name in values:
            return values[name]
        raise AttributeError(f"'DefaultRunnerConfig' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        if name == "workflow_timeout_seconds":
            name = "pipeline_timeout_seconds"
        if name not in _CONFIG_DEFAULTS and name not in _CONFIG_EXTENSIONS:
            raise AttributeError(f"'DefaultRunnerConfig' object has no attribute '{name}'")
        self._values[name] = _check_knob(name, value)

    def __dir__(self):
        return list(super().__dir__()) + list(_CONFIG_DEFAULTS) + list(_CONFIG_EXTENSIONS) + ["workflow_timeout_seconds"]

    def to_dict(self):
        """Upstream's fifteen knobs (the durability knobs are properties only)."""
        return {k: self._values[k] for k in _CONFIG_DEFAULTS}

    def _to_java(self):
        return json.dumps(self._values)

    def __repr__(self):
        v = self._values
        return (f"DefaultRunnerConfig(max_concurrent_tasks={v['max_concurrent_tasks']}, "
                f"enable_cron_scheduling={str(v['enable_cron_scheduling']).lower()}, "
                f"db_pool_size={v['db_pool_size']})")


class PipelineResult:
    """The outcome of ``DefaultRunner.execute``: ``status`` is "Completed" or "Failed"."""

    __slots__ = ("_data",)

    def __init__(self, *_args, **_kwargs):
        raise TypeError("PipelineResult has no constructor; DefaultRunner.execute returns one")

    @classmethod
    def _wrap(cls, data):
        r = object.__new__(cls)
        r._data = data
        return r

    @property
    def status(self):
        return self._data["status"]

    @property
    def start_time(self):
        return self._data["start_time"]

    @property
    def end_time(self):
        return self._data["end_time"]

    @property
    def final_context(self):
        """A new Context on each access: the output of the last task to complete."""
        return Context._wrap(_copy(self._data["final_context"]))

    @property
    def error_message(self):
        return self._data["error_message"]

    @property
    def execution_id(self):
        """The execution's id in the database (an addition to upstream's API)."""
        return self._data["execution_id"]

    @property
    def workflow_name(self):
        return self._data["workflow_name"]

    @property
    def task_results(self):
        """One dict per task, in the order they started: ``task_id``, ``task_name`` (namespace), ``status``,
        ``attempts``, ``max_attempts``, ``error`` (the last attempt's error, None if it succeeded),
        ``started_at``, ``completed_at`` (an addition to upstream's API). Read when the execution ended,
        so it stays available after the runner is shut down; a new list on each access."""
        return _copy(self._data["task_results"])

    def __repr__(self):
        return f"PipelineResult(status={self.status}, error={self.error_message})"


#: The name later upstream versions use.
WorkflowResult = PipelineResult


def _check_str(name, value):
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got '{type(value).__name__}'")


def _page(name, value, default):
    """A limit or offset: None means the default; negative values are a ValueError naming the value."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int or None, got '{type(value).__name__}'")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return min(value, 2 ** 31 - 1)


class DefaultRunner(_TriggerMethods):
    """Runs registered workflows against a database: ``DefaultRunner("sqlite://app.db")`` (the default
    backend), ``":memory:"``, or ``"postgresql://user:pass@host:5432/db"``. Use it as a context manager,
    or call ``shutdown()`` when done."""

    def __init__(self, database_url, config=None):
        if not isinstance(database_url, str):
            raise TypeError(f"database_url must be a str, got '{type(database_url).__name__}'")
        if config is not None and not isinstance(config, DefaultRunnerConfig):
            raise TypeError(f"config must be a DefaultRunnerConfig, got '{type(config).__name__}'")
        self._handle = _host.createRunner(database_url, None if config is None else config._to_java())

    @staticmethod
    def with_config(database_url, config):
        if not isinstance(config, DefaultRunnerConfig):
            raise TypeError(f"config must be a DefaultRunnerConfig, got '{type(config).__name__}'")
        return DefaultRunner(database_url, config)

    @staticmethod
    def with_schema(database_url, schema, config=None):
        """A runner whose tables live in PostgreSQL schema ``schema`` (created and migrated if missing),
        configured by ``config`` (a DefaultRunnerConfig; None for the defaults).

        Tenant runners on the same URL share one connection pool and one set of workers, served fairly.
        """
        if not isinstance(database_url, str):
            raise TypeError(f"database_url must be a str, got '{type(database_url).__name__}'")
        if not isinstance(schema, str):
            raise TypeError(f"schema must be a str, got '{type(schema).__name__}'")
        if config is not None and not isinstance(config, DefaultRunnerConfig):
            raise TypeError(f"config must be a DefaultRunnerConfig, got '{type(config).__name__}'")
        runner = object.__new__(DefaultRunner)
        runner._handle = _host.createSchemaRunner(database_url, schema,
                                                  None if config is None else config._to_java())
        return runner

    def execute(self, workflow_name, context):
        """Runs ``workflow_name`` to its end. Task failures do not raise: read ``result.status``."""
        if not isinstance(workflow_name, str):
            raise TypeError(f"workflow_name must be a str, got '{type(workflow_name).__name__}'")
        if not isinstance(context, Context):
            raise TypeError(f"context must be a cloaca.Context, got '{type(context).__name__}'")
        return PipelineResult._wrap(json.loads(self._handle.execute(workflow_name, context.to_json())))

    def wait_for(self, execution_id, timeout_seconds=None):
        """Waits for an execution to end, even one this runner did not start (e.g. recovered after a
        crash), and returns its PipelineResult. ValueError if it does not exist or the timeout passes."""
        if not isinstance(execution_id, str):
            raise TypeError(f"execution_id must be a str, got '{type(execution_id).__name__}'")
        millis = -1 if timeout_seconds is None else int(_non_negative_float("timeout_seconds", timeout_seconds) * 1000)
        return PipelineResult._wrap(json.loads(self._handle.awaitExecution(execution_id, millis)))

    def list_executions(self, workflow_name=None, limit=100):
        """The most recent executions in this runner's database (or schema), newest first: dicts with
        ``execution_id``, ``workflow_name``, ``status``, ``start_time``, ``end_time``, ``error_message``."""
        if workflow_name is not None and not isinstance(workflow_name, str):
            raise TypeError(f"workflow_name must be a str, got '{type(workflow_name).__name__}'")
        return json.loads(self._handle.listExecutions(workflow_name, _non_negative_int("limit", limit)))

    # ---- cron ----------------------------------------------------------------------------------

    def register_cron_workflow(self, workflow_name, cron_expression, timezone, *, catchup_policy="skip"):
        """Schedules ``workflow_name`` (which must be registered) at ``cron_expression`` (5 fields, 6 with
        seconds first, or an alias such as ``@daily``) in IANA zone ``timezone``; returns the schedule's id.
        Each instant fires once across all runners on the database, at its time.

        ``catchup_policy`` says what happens to instants missed while no runner was up: ``"skip"`` (the
        default) runs the earliest missed one and records the others as skipped; ``"run_all"`` runs each
        (up to ``cron_max_catchup_executions``). Either way the history shows every missed instant."""
        _check_str("workflow_name", workflow_name)
        _check_str("cron_expression", cron_expression)
        _check_str("timezone", timezone)
        _check_str("catchup_policy", catchup_policy)
        return self._handle.registerCron(workflow_name, cron_expression, timezone, catchup_policy)

    def list_cron_schedules(self, enabled_only=None, limit=None, offset=None):
        """Schedules as dicts, ordered by workflow name (defaults: all, 100, 0)."""
        enabled_only = False if enabled_only is None else _bool("enabled_only", enabled_only)
        return json.loads(self._handle.listCron(enabled_only, _page("limit", limit, 100), _page("offset", offset, 0)))

    def get_cron_schedule(self, schedule_id):
        """A schedule as a dict: ``id``, ``workflow_name``, ``cron_expression``, ``timezone``, ``enabled``,
        ``catchup_policy``, ``next_run_at``, ``last_run_at``, ``created_at``, ``updated_at``."""
        _check_str("schedule_id", schedule_id)
        return json.loads(self._handle.getCron(schedule_id))

    def update_cron_schedule(self, schedule_id, cron_expression, timezone, *, catchup_policy=None):
        """Replaces expression and zone (and the catch-up policy, if given); the next run is computed from now."""
        _check_str("schedule_id", schedule_id)
        _check_str("cron_expression", cron_expression)
        _check_str("timezone", timezone)
        if catchup_policy is not None:
            _check_str("catchup_policy", catchup_policy)
        self._handle.updateCron(schedule_id, cron_expression, timezone, catchup_policy)

    def set_cron_schedule_enabled(self, schedule_id, enabled):
        """Enables or disables a schedule; enabling computes the next run from now (instants that passed
        while it was disabled are not missed runs)."""
        _check_str("schedule_id", schedule_id)
        self._handle.setCronEnabled(schedule_id, _bool("enabled", enabled))

    def delete_cron_schedule(self, schedule_id):
        """Deletes a schedule and its history; the executions it started stay."""
        _check_str("schedule_id", schedule_id)
        self._handle.deleteCron(schedule_id)

    def get_cron_execution_history(self, schedule_id, limit=None, offset=None):
        """The instants a schedule claimed, newest first (defaults: 100, 0): dicts with ``id``,
        ``schedule_id``, ``scheduled_time``, ``claimed_at``, ``pipeline_execution_id``, ``created_at``,
        ``updated_at``, and ``outcome`` (``started``, ``skipped`` or ``failed``), ``detail`` and
        ``execution_status`` (the started execution's status now)."""
        _check_str("schedule_id", schedule_id)
        return json.loads(self._handle.cronHistory(schedule_id, _page("limit", limit, 100), _page("offset", offset, 0)))

    def get_cron_execution_stats(self, since):
        """Counts over the instants claimed since ``since`` (RFC 3339 with an offset, e.g.
        ``datetime.now(timezone.utc).isoformat()``): ``total_executions``, ``successful_executions``,
        ``lost_executions`` (instants that started no execution) and ``success_rate`` (0 to 100)."""
        _check_str("since", since)
        return json.loads(self._handle.cronStats(since))

    def shutdown(self):
        """Stops taking work, lets running tasks finish (up to ``shutdown_timeout_seconds``) and gives
        back the claims of tasks not started, so another runner resumes them at once. Idempotent."""
        # Called while a KeyboardInterrupt is handled: stderr says what the shutdown waits for.
        self._handle.shutdown(isinstance(sys.exc_info()[1], KeyboardInterrupt))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self._handle.shutdown(isinstance(exc, KeyboardInterrupt))
        return False

    def __repr__(self):
        return f"DefaultRunner({self._handle.describe()})"


# --------------------------------------------------------------------------------------------------
# Tenants (PostgreSQL)
# --------------------------------------------------------------------------------------------------

class TenantConfig:
    """What ``DatabaseAdmin.create_tenant`` creates: a schema and a login role. A password of None or ""
    is generated (32 random letters and digits)."""

    __slots__ = ("schema_name", "username", "password")

    def __init__(self, schema_name, username, password=None):
        for name, value in (("schema_name", schema_name), ("username", username)):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a str, got '{type(value).__name__}'")
        if password is not None and not isinstance(password, str):
            raise TypeError(f"password must be a str or None, got '{type(password).__name__}'")
        self.schema_name, self.username, self.password = schema_name, username, password

    def __repr__(self):
        return f"TenantConfig(schema_name='{self.schema_name}', username='{self.username}', password='***')"


class TenantCredentials:
    """A new tenant's login. ``connection_string`` reaches the admin URL's server and database as the
    tenant's role, pinned to the tenant's schema: ``DefaultRunner(credentials.connection_string)``."""

    __slots__ = ("username", "password", "schema_name", "connection_string")

    def __init__(self, *_args, **_kwargs):
        raise TypeError("TenantCredentials has no constructor; DatabaseAdmin.create_tenant returns them")

    @classmethod
    def _from(cls, data):
        c = object.__new__(cls)
        c.username, c.password = data["username"], data["password"]
        c.schema_name, c.connection_string = data["schema_name"], data["connection_string"]
        return c

    def __repr__(self):
        return (f"TenantCredentials(username='{self.username}', password='***', schema_name='{self.schema_name}', "
                f"connection_string='***')")


class DatabaseAdmin:
    """Creates and removes tenants on a PostgreSQL database: ``DatabaseAdmin("postgresql://admin@host/db")``.
    The login needs CREATEROLE and CREATE on the database. No connection is made until a call needs one."""

    def __init__(self, database_url):
        if not isinstance(database_url, str):
            raise TypeError(f"database_url must be a str, got '{type(database_url).__name__}'")
        self._handle = _host.createAdmin(database_url)

    def create_tenant(self, config):
        """Creates the tenant's role and schema (with the engine's tables) and returns its credentials.
        Nothing is left behind if any step fails."""
        if not isinstance(config, TenantConfig):
            raise TypeError(f"create_tenant() takes a TenantConfig, got '{type(config).__name__}'")
        data = self._handle.createTenant(config.schema_name, config.username, config.password or "")
        return TenantCredentials._from(json.loads(data))

    def remove_tenant(self, schema_name, username):
        """Drops the tenant's schema, with everything in it, and its role. Missing ones are skipped."""
        for name, value in (("schema_name", schema_name), ("username", username)):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a str, got '{type(value).__name__}'")
        self._handle.removeTenant(schema_name, username)

    def __repr__(self):
        return "DatabaseAdmin()"


# --------------------------------------------------------------------------------------------------
# Namespaces
# --------------------------------------------------------------------------------------------------

class TaskNamespace:
    """``tenant::package::workflow::task``."""

    __slots__ = ("tenant_id", "package_name", "workflow_id", "task_id")

    def __init__(self, tenant_id, package_name, workflow_id, task_id):
        for n, v in (("tenant_id", tenant_id), ("package_name", package_name), ("workflow_id", workflow_id),
                     ("task_id", task_id)):
            if not isinstance(v, str):
                raise TypeError(f"{n} must be a str, got '{type(v).__name__}'")
        self.tenant_id, self.package_name, self.workflow_id, self.task_id = tenant_id, package_name, workflow_id, task_id

    @staticmethod
    def from_string(s):
        parts = s.split("::")
        if len(parts) != 4:
            raise ValueError(f"Invalid namespace format: Invalid namespace format '{s}'. "
                             f"Expected 'tenant::package::workflow::task'")
        return TaskNamespace(*parts)

    def parent(self):
        return TaskNamespace(self.tenant_id, self.package_name, self.workflow_id, "")

    def _same_workflow(self, other):
        return (self.tenant_id, self.package_name, self.workflow_id) == (
            other.tenant_id, other.package_name, other.workflow_id)

    def is_child_of(self, parent):
        return self._same_workflow(parent) and self.task_id != "" and parent.task_id == ""

    def is_sibling_of(self, other):
        return self._same_workflow(other) and self.task_id != "" and other.task_id != "" and self.task_id != other.task_id

    def __str__(self):
        return f"{self.tenant_id}::{self.package_name}::{self.workflow_id}::{self.task_id}"

    def __repr__(self):
        return f"TaskNamespace('{self.tenant_id}', '{self.package_name}', '{self.workflow_id}', '{self.task_id}')"

    def __eq__(self, other):
        return isinstance(other, TaskNamespace) and str(self) == str(other)

    def __hash__(self):
        return hash(str(self))


class WorkflowContext:
    """``tenant::package::workflow``: where a workflow's tasks live."""

    __slots__ = ("tenant_id", "package_name", "workflow_id")

    def __init__(self, tenant_id, package_name, workflow_id):
        self.tenant_id, self.package_name, self.workflow_id = tenant_id, package_name, workflow_id

    def task_namespace(self, task_id):
        return TaskNamespace(self.tenant_id, self.package_name, self.workflow_id, task_id)

    def resolve_dependency(self, task_name):
        return self.task_namespace(task_name)

    def workflow_namespace(self):
        return self.task_namespace("")

    def contains_namespace(self, ns):
        return (self.tenant_id, self.package_name, self.workflow_id) == (ns.tenant_id, ns.package_name, ns.workflow_id)

    def __str__(self):
        return f"{self.tenant_id}::{self.package_name}::{self.workflow_id}"

    def __repr__(self):
        return f"WorkflowContext('{self.tenant_id}', '{self.package_name}', '{self.workflow_id}')"

    def __eq__(self, other):
        return isinstance(other, WorkflowContext) and str(self) == str(other)

    def __hash__(self):
        return hash(str(self))


# --------------------------------------------------------------------------------------------------
# Smoke-test helpers kept from upstream's first releases
# --------------------------------------------------------------------------------------------------

def hello_world():
    return "Hello from Cloaca backend!"


class HelloClass:
    def __init__(self):
        self._message = "Hello from HelloClass!"

    def get_message(self):
        return self._message

    def __repr__(self):
        return f"HelloClass(message='{self._message}')"


def get_backend():
    """The backend of the default configuration (SQLite); a PostgreSQL URL selects PostgreSQL per runner."""
    return __backend__


def get_version():
    return __version__


# --------------------------------------------------------------------------------------------------
# Entry points used by the JVM launcher
# --------------------------------------------------------------------------------------------------

def _print_uncaught(e, script):
    import traceback
    tb = e.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != script:
        tb = tb.tb_next
    if tb is None and not isinstance(e, SyntaxError):
        tb = e.__traceback__
    if isinstance(e, KeyboardInterrupt):
        # Raised by the host while the script waited in a runner call: end at the script's line, as a
        # Ctrl-C during a call into a compiled extension does under CPython.
        t = tb
        while t is not None and t.tb_next is not None:
            if t.tb_next.tb_frame.f_code.co_filename == __file__ and t.tb_frame.f_code.co_filename != __file__:
                t.tb_next = None
            t = t.tb_next
    traceback.print_exception(type(e), e, tb)


def _exit_status(code):
    """The process exit status for ``sys.exit(code)``, as CPython computes it."""
    if code is None:
        return 0
    if isinstance(code, int):
        return int(code)
    print(code, file=sys.stderr)
    return 1


def _run_main(script):
    """Runs ``script`` as ``__main__``; returns 0, or 1 after printing the uncaught exception (130 for
    KeyboardInterrupt, as the python command exits after Ctrl-C)."""
    import os
    import runpy
    sys.path.insert(0, os.path.dirname(script))
    try:
        runpy.run_path(script, run_name="__main__")
        return 0
    except SystemExit as e:
        # Returned, not re-raised: GraalPy reports a SystemExit that reaches the host as status 1
        # whatever its code.
        return _exit_status(e.code)
    except BaseException as e:
        _print_uncaught(e, script)
        return 130 if isinstance(e, KeyboardInterrupt) else 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


_console = None


def _repl_console():
    """The interactive console, made on first use, with ``cloaca`` imported in its namespace."""
    global _console
    if _console is None:
        import code

        def leave(code=None):
            raise SystemExit(code)

        _console = code.InteractiveConsole({"__name__": "__main__", "__doc__": None, "cloaca": sys.modules[__name__],
                                            "exit": leave, "quit": leave})
    return _console


def _repl_push(line):
    """Feeds one line to the interactive console: -1 while a statement needs more lines, -2 when it ran,
    else the exit status the line asked for (``exit(n)``, ``sys.exit(n)``)."""
    try:
        return -1 if _repl_console().push(line) else -2
    except SystemExit as e:
        return _exit_status(e.code)


def _repl_reset():
    """Drops a half-typed statement (Ctrl-C at the prompt)."""
    if _console is not None:
        _console.resetbuffer()


def _repl_complete(text):
    """Tab completion at the prompt: the names and attributes (``cloaca.``, ``runner.``, ``ctx.``) that
    complete the dotted name ``text`` ends with, as the console's namespace holds them. Completing an
    attribute evaluates the expression before the last dot, as CPython's readline completion does."""
    import re
    import rlcompleter
    match = re.search(r"[A-Za-z_][\w.]*$", text)
    word = match.group(0) if match else ""
    completer = rlcompleter.Completer(_repl_console().locals)
    found = []
    state = 0
    while True:
        try:
            candidate = completer.complete(word, state)
        except Exception:
            break
        if candidate is None:
            break
        if candidate not in found:
            found.append(candidate)
        state += 1
    return found


def _repl_open_runner(database_url, schema):
    """``cloaca repl --database URL [--schema NAME]``: binds ``runner`` in the console to a runner on that
    database (and tenant schema); returns how to say so, with any password hidden."""
    runner = DefaultRunner(database_url) if schema is None else DefaultRunner.with_schema(database_url, schema)
    _repl_console().locals["runner"] = runner
    import re
    shown = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", database_url)
    if schema is None:
        return f"runner = cloaca.DefaultRunner({shown!r})"
    return f"runner = cloaca.DefaultRunner.with_schema({shown!r}, {schema!r})"


def _run_pytest(args_json, extra_path_json):
    args, extra_path = json.loads(args_json), json.loads(extra_path_json)
    for p in extra_path:
        if p not in sys.path:
            sys.path.append(p)
    try:
        import pytest
    except ImportError:
        print("cloaca test: pytest is not importable. Install Debian's python3-pytest "
              "or set CLOACA_PYTHONPATH to a folder that holds pytest.", file=sys.stderr)
        return 4
    sys.argv = ["pytest"] + list(args)
    return int(pytest.main(list(args) + ["-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning"]))
