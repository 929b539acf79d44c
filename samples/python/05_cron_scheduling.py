"""Cron scheduling: two schedules with short intervals, listing, enable/disable, history and stats.

A "heartbeat" workflow runs every second and a "report" workflow every two seconds (6-field
expressions, seconds first). The script watches them fire, disables the heartbeat, reads each
schedule's history (every claimed instant links the execution it started) and the overall stats.
Each instant fires once, at its time, however many runners share the database.

Run it with:  ./cloaca run samples/python/05_cron_scheduling.py
It stores its schedules in the database named by DATABASE_URL (default: a private in-memory one).
"""
import os
import time
from datetime import datetime, timezone

import cloaca

with cloaca.WorkflowBuilder("heartbeat") as builder:
    @cloaca.task(id="beat")
    def beat(context):
        # Cron-started runs carry their schedule in the context.
        context.set("beat_for", context.get("scheduled_time"))
        return context

with cloaca.WorkflowBuilder("report") as builder:
    @cloaca.task(id="write_report")
    def write_report(context):
        context.set("report", f"report for {context.get('scheduled_time')} ({context.get('schedule_timezone')})")
        return context


def wait_for_runs(runner, schedule_id, count, timeout=10.0):
    """Polls the schedule's history until it has ``count`` claimed instants."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        history = runner.get_cron_execution_history(schedule_id)
        if len(history) >= count:
            return history
        time.sleep(0.1)
    raise RuntimeError(f"schedule {schedule_id} fired fewer than {count} times in {timeout} s")


since = datetime.now(timezone.utc).isoformat()
with cloaca.DefaultRunner(os.environ.get("DATABASE_URL", ":memory:")) as runner:
    heartbeat = runner.register_cron_workflow("heartbeat", "* * * * * *", "UTC")
    # A missed instant (no runner up) of the report would run anyway: catchup_policy="run_all".
    report = runner.register_cron_workflow("report", "*/2 * * * * *", "Europe/Berlin", catchup_policy="run_all")
    print("schedules:")
    for s in runner.list_cron_schedules():
        state = "enabled" if s["enabled"] else "disabled"
        print(f"  {s['workflow_name']:<10} {s['cron_expression']:<14} {s['timezone']:<14} {s['catchup_policy']:<8} {state}")

    wait_for_runs(runner, heartbeat, 3)
    print("heartbeat fired at least 3 times")
    runner.set_cron_schedule_enabled(heartbeat, False)
    print("heartbeat disabled; enabled now:", [s["workflow_name"] for s in runner.list_cron_schedules(enabled_only=True)])

    for row in wait_for_runs(runner, report, 2)[:2]:
        # The audit row names its execution from the moment the instant was claimed.
        result = runner.wait_for(row["pipeline_execution_id"], 30)
        assert result.final_context.get("report") == f"report for {row['scheduled_time']} (Europe/Berlin)"
    print("report fired at least 2 times; each run wrote its report:", result.status)

    stats = runner.get_cron_execution_stats(since)
    print(f"instants claimed: {stats['total_executions']}, started: {stats['successful_executions']},"
          f" lost: {stats['lost_executions']}")
    print(f"success rate: {stats['success_rate']:.1f}%")

    runner.delete_cron_schedule(heartbeat)
    runner.delete_cron_schedule(report)
    print("schedules left:", runner.list_cron_schedules())
