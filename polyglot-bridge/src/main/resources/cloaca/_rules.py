"""Trigger-rule builders (upstream's H era): plain dicts in the engine's serde form."""

import cloaca
from cloaca._json import _to_json


def context_value(key, operator, value=None):
    """True when the task's input has ``key`` related to ``value`` by ``operator``: ``"=="``/``"eq"``,
    ``"!="``/``"ne"``, ``">"``/``"gt"``, ``"<"``/``"lt"``, ``"contains"``, ``"not_contains"``,
    ``"exists"``, ``"not_exists"`` (any case, ``_`` optional)."""
    if not isinstance(key, str):
        raise TypeError(f"context_value() key must be a str, got '{type(key).__name__}'")
    if not isinstance(operator, str):
        raise TypeError(f"context_value() operator must be a str, got '{type(operator).__name__}'")
    value = _to_json(value, f"context_value({key!r}) value")
    return {"type": "ContextValue", "key": key, "operator": cloaca._host.triggerOperator(operator), "value": value}


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
