"""Runner: DefaultRunner, its configuration and PipelineResult."""

import json
import sys

import cloaca
from cloaca._checks import _bool, _check_str, _non_negative_float, _non_negative_int, _page
from cloaca._context import Context
from cloaca._json import _copy, _loads


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


class _TriggerMethods:
    """DefaultRunner's trigger management, kept apart from the rest of the runner."""

    def list_trigger_schedules(self, enabled_only=None, limit=None, offset=None):
        """Trigger rows of this runner's database as dicts, by name (defaults: all, 100, 0): ``id``,
        ``trigger_name``, ``workflow_name``, ``poll_interval_ms`` (None for a cron trigger),
        ``allow_concurrent``, ``enabled``, ``last_poll_at``, ``created_at``, ``updated_at``, then
        ``cron_expression``, ``timezone`` and ``next_poll_at``."""
        enabled_only = False if enabled_only is None else _bool("enabled_only", enabled_only)
        return _loads(self._handle.listTriggers(enabled_only, _page("limit", limit, 100),
                                                    _page("offset", offset, 0)))

    def get_trigger_schedule(self, trigger_name):
        """A trigger's row as a dict (as ``list_trigger_schedules``), or None if it is unknown."""
        _check_str("trigger_name", trigger_name)
        found = self._handle.getTrigger(trigger_name)
        return None if found is None else _loads(found)

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
        return _loads(self._handle.triggerHistory(trigger_name, _page("limit", limit, 100),
                                                      _page("offset", offset, 0)))


class DefaultRunner(_TriggerMethods):
    """Runs registered workflows against a database: ``DefaultRunner("sqlite://app.db")`` (the default
    backend), ``":memory:"``, or ``"postgresql://user:pass@host:5432/db"``. Use it as a context manager,
    or call ``shutdown()`` when done."""

    def __init__(self, database_url, config=None):
        if not isinstance(database_url, str):
            raise TypeError(f"database_url must be a str, got '{type(database_url).__name__}'")
        if config is not None and not isinstance(config, DefaultRunnerConfig):
            raise TypeError(f"config must be a DefaultRunnerConfig, got '{type(config).__name__}'")
        self._handle = cloaca._host.createRunner(database_url, None if config is None else config._to_java())

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
        runner._handle = cloaca._host.createSchemaRunner(database_url, schema,
                                                  None if config is None else config._to_java())
        return runner

    def execute(self, workflow_name, context):
        """Runs ``workflow_name`` to its end. Task failures do not raise: read ``result.status``."""
        if not isinstance(workflow_name, str):
            raise TypeError(f"workflow_name must be a str, got '{type(workflow_name).__name__}'")
        if not isinstance(context, Context):
            raise TypeError(f"context must be a cloaca.Context, got '{type(context).__name__}'")
        return PipelineResult._wrap(_loads(self._handle.execute(workflow_name, context.to_json())))

    def wait_for(self, execution_id, timeout_seconds=None):
        """Waits for an execution to end, even one this runner did not start (e.g. recovered after a
        crash), and returns its PipelineResult. ValueError if it does not exist or the timeout passes."""
        if not isinstance(execution_id, str):
            raise TypeError(f"execution_id must be a str, got '{type(execution_id).__name__}'")
        millis = -1 if timeout_seconds is None else int(_non_negative_float("timeout_seconds", timeout_seconds) * 1000)
        return PipelineResult._wrap(_loads(self._handle.awaitExecution(execution_id, millis)))

    def list_executions(self, workflow_name=None, limit=100):
        """The most recent executions in this runner's database (or schema), newest first: dicts with
        ``execution_id``, ``workflow_name``, ``status``, ``start_time``, ``end_time``, ``error_message``."""
        if workflow_name is not None and not isinstance(workflow_name, str):
            raise TypeError(f"workflow_name must be a str, got '{type(workflow_name).__name__}'")
        return _loads(self._handle.listExecutions(workflow_name, _non_negative_int("limit", limit)))

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
        return _loads(self._handle.listCron(enabled_only, _page("limit", limit, 100), _page("offset", offset, 0)))

    def get_cron_schedule(self, schedule_id):
        """A schedule as a dict: ``id``, ``workflow_name``, ``cron_expression``, ``timezone``, ``enabled``,
        ``catchup_policy``, ``next_run_at``, ``last_run_at``, ``created_at``, ``updated_at``."""
        _check_str("schedule_id", schedule_id)
        return _loads(self._handle.getCron(schedule_id))

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
        return _loads(self._handle.cronHistory(schedule_id, _page("limit", limit, 100), _page("offset", offset, 0)))

    def get_cron_execution_stats(self, since):
        """Counts over the instants claimed since ``since`` (RFC 3339 with an offset, e.g.
        ``datetime.now(timezone.utc).isoformat()``): ``total_executions``, ``successful_executions``,
        ``lost_executions`` (instants that started no execution) and ``success_rate`` (0 to 100)."""
        _check_str("since", since)
        return _loads(self._handle.cronStats(since))

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
