"""Cron schedules from Python: upstream's method names, dict shapes, defaults and messages, on both
backends (and on a with_schema runner when the backend is PostgreSQL). Firing rules and daylight saving
are covered with a settable clock in the engine's Java tests; here one short real schedule fires."""
import re
import time
import uuid
from datetime import datetime, timezone

import pytest

import cloaca
from conftest import BACKEND, PG_URL, SCHEMA_PREFIX, private_database_url

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
RFC3339_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$")
UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def scheduled(wf_name, uid):
    """A registered one-task workflow that records the cron keys it was started with."""
    @cloaca.task(id=uid("keys"))
    def keys(ctx):
        ctx.set("seen", {k: ctx.get(k) for k in ("scheduled_time", "schedule_id", "schedule_timezone",
                                                   "schedule_expression", "is_cron_execution")})
        return ctx

    def build():
        builder = cloaca.WorkflowBuilder(wf_name)
        builder.add_task(uid("keys"))
        return builder.build()

    cloaca.register_workflow_constructor(wf_name, build)
    return wf_name


@pytest.fixture
def cron_runner(tmp_path):
    with cloaca.DefaultRunner(private_database_url(tmp_path)) as r:
        yield r


def test_register_returns_a_uuid_and_the_schedule_dict_has_upstreams_keys(cron_runner, scheduled):
    sid = cron_runner.register_cron_workflow(scheduled, "0 9 * * MON-FRI", "Europe/Berlin")
    assert UUID_RE.match(sid)
    s = cron_runner.get_cron_schedule(sid)
    assert list(s) == ["id", "workflow_name", "cron_expression", "timezone", "enabled", "catchup_policy",
                       "next_run_at", "last_run_at", "created_at", "updated_at"]
    assert s["id"] == sid and s["workflow_name"] == scheduled and s["enabled"] is True
    assert s["catchup_policy"] == "skip" and s["last_run_at"] is None
    assert RFC3339_RE.match(s["next_run_at"]) and RFC3339_RE.match(s["created_at"])
    assert datetime.fromisoformat(s["next_run_at"]) > datetime.now(timezone.utc)


def test_list_update_enable_delete(cron_runner, scheduled):
    a = cron_runner.register_cron_workflow(scheduled, "@daily", "UTC")
    b = cron_runner.register_cron_workflow(scheduled, "0 0 1 * *", "UTC", catchup_policy="run_all")
    assert {s["id"] for s in cron_runner.list_cron_schedules(None, None, None)} == {a, b}
    assert len(cron_runner.list_cron_schedules(limit=1)) == 1
    assert cron_runner.get_cron_schedule(b)["catchup_policy"] == "run_all"

    cron_runner.update_cron_schedule(a, "*/15 * * * *", "America/New_York", catchup_policy="run_all")
    s = cron_runner.get_cron_schedule(a)
    assert (s["cron_expression"], s["timezone"], s["catchup_policy"]) == ("*/15 * * * *", "America/New_York", "run_all")

    cron_runner.set_cron_schedule_enabled(a, False)
    assert [s["id"] for s in cron_runner.list_cron_schedules(enabled_only=True)] == [b]
    assert cron_runner.get_cron_schedule(a)["enabled"] is False

    cron_runner.delete_cron_schedule(a)
    assert [s["id"] for s in cron_runner.list_cron_schedules()] == [b]
    assert cron_runner.get_cron_execution_history(b) == []
    stats = cron_runner.get_cron_execution_stats(datetime.now(timezone.utc).isoformat())
    assert stats == {"total_executions": 0, "successful_executions": 0, "lost_executions": 0, "success_rate": 0.0}


def test_a_short_schedule_fires_with_the_cron_keys_in_its_context(cron_runner, scheduled):
    since = datetime.now(timezone.utc).isoformat()
    sid = cron_runner.register_cron_workflow(scheduled, "* * * * * *", "UTC")
    deadline = time.monotonic() + 30
    while not cron_runner.get_cron_execution_history(sid) and time.monotonic() < deadline:
        time.sleep(0.05)
    history = cron_runner.get_cron_execution_history(sid, None, None)
    assert history, "a schedule firing every second should have fired"
    row = history[-1]
    assert list(row)[:7] == ["id", "schedule_id", "scheduled_time", "claimed_at", "pipeline_execution_id",
                             "created_at", "updated_at"]
    assert row["outcome"] == "started" and row["schedule_id"] == sid
    assert row["pipeline_execution_id"], "the audit row links its execution from the start"
    result = cron_runner.wait_for(row["pipeline_execution_id"], 30)
    assert result.status == "Completed"
    seen = result.final_context.get("seen")
    assert seen == {"scheduled_time": row["scheduled_time"], "schedule_id": sid, "schedule_timezone": "UTC",
                    "schedule_expression": "* * * * * *", "is_cron_execution": True}
    cron_runner.set_cron_schedule_enabled(sid, False)
    stats = cron_runner.get_cron_execution_stats(since)
    assert stats["total_executions"] >= 1 and stats["successful_executions"] == stats["total_executions"]
    assert stats["success_rate"] == 100.0


@pytest.mark.parametrize("expression, detail", [("61 * * * *", "61"), ("* * *", "has 3 field(s)")])
def test_an_invalid_expression_is_a_value_error(cron_runner, scheduled, expression, detail):
    with pytest.raises(ValueError) as e:
        cron_runner.register_cron_workflow(scheduled, expression, "UTC")
    msg = str(e.value)
    assert msg.startswith("Failed to register cron workflow: Configuration error: Invalid cron expression or timezone:")
    assert expression in msg and detail in msg and "expected 5 fields" in msg
    assert cron_runner.list_cron_schedules() == []


def test_a_question_mark_day_field_means_any_day_and_is_kept_as_written(cron_runner, scheduled):
    sid = cron_runner.register_cron_workflow(scheduled, "0 12 ? * MON", "UTC")
    schedule = cron_runner.get_cron_schedule(sid)
    assert schedule["cron_expression"] == "0 12 ? * MON"
    assert datetime.fromisoformat(schedule["next_run_at"].replace("Z", "+00:00")).weekday() == 0  # a Monday


def test_an_unknown_alias_lists_the_aliases_the_engine_supports(cron_runner, scheduled):
    with pytest.raises(ValueError) as e:
        cron_runner.register_cron_workflow(scheduled, "@sometimes", "UTC")
    assert str(e.value) == ("Failed to register cron workflow: Configuration error: Invalid cron expression or"
                            " timezone: unknown cron alias '@sometimes'; accepted: @yearly, @annually, @monthly,"
                            " @weekly, @daily, @midnight, @hourly")
    assert cron_runner.list_cron_schedules() == []


@pytest.mark.parametrize("zone", ["EST", "MST", "HST", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT", "UTC", "GMT"])
def test_iana_names_java_lacks_as_region_ids_are_zones_too(cron_runner, scheduled, zone):
    sid = cron_runner.register_cron_workflow(scheduled, "0 9 * * *", zone)
    assert cron_runner.get_cron_schedule(sid)["timezone"] == zone
    cron_runner.update_cron_schedule(sid, "0 10 * * *", zone)
    assert cron_runner.get_cron_schedule(sid)["timezone"] == zone


def test_bad_zones_ids_workflows_times_and_limits_are_value_errors(cron_runner, scheduled):
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'; expected an IANA name"):
        cron_runner.register_cron_workflow(scheduled, "* * * * *", "Mars/Olympus")
    with pytest.raises(ValueError, match="^Failed to register cron workflow: Workflow not found in registry: no_such_wf$"):
        cron_runner.register_cron_workflow("no_such_wf", "* * * * *", "UTC")
    with pytest.raises(ValueError, match="Invalid catchup_policy 'sometimes': expected 'skip' or 'run_all'"):
        cron_runner.register_cron_workflow(scheduled, "* * * * *", "UTC", catchup_policy="sometimes")
    with pytest.raises(ValueError, match="^Failed to get cron schedule: Configuration error: Invalid schedule ID: 'nope'"):
        cron_runner.get_cron_schedule("nope")
    with pytest.raises(ValueError, match="^Failed to get cron schedule: .*Record not found.*" + UNKNOWN):
        cron_runner.get_cron_schedule(UNKNOWN)
    with pytest.raises(ValueError, match="^Failed to update cron schedule: .*" + UNKNOWN):
        cron_runner.update_cron_schedule(UNKNOWN, "* * * * *", "UTC")
    with pytest.raises(ValueError, match="^Failed to update cron schedule: .*" + UNKNOWN):
        cron_runner.set_cron_schedule_enabled(UNKNOWN, True)
    with pytest.raises(ValueError, match="^Failed to delete cron schedule: .*" + UNKNOWN):
        cron_runner.delete_cron_schedule(UNKNOWN)
    with pytest.raises(ValueError, match="^Invalid datetime format: '2026-01-01T00:00:00' "):
        cron_runner.get_cron_execution_stats("2026-01-01T00:00:00")
    with pytest.raises(ValueError, match="^limit must not be negative, got -1$"):
        cron_runner.list_cron_schedules(None, -1, None)
    with pytest.raises(ValueError, match="offset must not be negative"):
        cron_runner.get_cron_execution_history(UNKNOWN, None, -5)
    with pytest.raises(TypeError):
        cron_runner.register_cron_workflow(scheduled, 5, "UTC")


def test_cron_calls_fail_when_cron_is_disabled(tmp_path, scheduled):
    config = cloaca.DefaultRunnerConfig(enable_cron_scheduling=False)
    with cloaca.DefaultRunner.with_config(private_database_url(tmp_path), config) as r:
        with pytest.raises(ValueError, match="^Failed to list cron schedules: Configuration error: Cron scheduling not enabled."):
            r.list_cron_schedules(None, None, None)
        with pytest.raises(ValueError, match="^Failed to register cron workflow: Configuration error: Cron scheduling not enabled."):
            r.register_cron_workflow(scheduled, "* * * * *", "UTC")


@pytest.mark.skipif(BACKEND != "postgresql", reason="schemas are PostgreSQL's")
def test_each_tenant_schema_keeps_its_own_schedules(scheduled):
    a = cloaca.DefaultRunner.with_schema(PG_URL, f"{SCHEMA_PREFIX}{uuid.uuid4().hex[:10]}")
    b = cloaca.DefaultRunner.with_schema(PG_URL, f"{SCHEMA_PREFIX}{uuid.uuid4().hex[:10]}")
    try:
        sid = a.register_cron_workflow(scheduled, "@daily", "UTC")
        assert [s["id"] for s in a.list_cron_schedules()] == [sid]
        assert b.list_cron_schedules() == []
        with pytest.raises(ValueError, match="Record not found"):
            b.get_cron_schedule(sid)
    finally:
        a.shutdown()
        b.shutdown()
