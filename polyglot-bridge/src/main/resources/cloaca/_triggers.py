"""Event triggers: @trigger, TriggerResult and the engine's poll call. Imported on first use."""

import json

import cloaca
from cloaca._checks import _bool
from cloaca._context import Context
from cloaca._json import _copy
from cloaca._tasks import _describe, _short_repr


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
    except BaseException as e:  # as for a task body: sys.exit() in a poll is recorded, not a Java exception
        return json.dumps({"ok": False, "error": f"Trigger '{name}' poll raised {_describe(e)}"})
    if not isinstance(result, TriggerResult):
        return json.dumps({"ok": False, "error": f"Trigger '{name}' must return TriggerResult, got: "
                                                 f"{type(result).__name__} ({_short_repr(result)})"})
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
        cloaca._host.defineTrigger(name, self._workflow, poll_interval, self._cron, self._timezone,
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
    cloaca._host.forgetTrigger(name)
