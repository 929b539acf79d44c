"""Event triggers: a workflow started for each file that arrives in a folder.

An "inbox_watcher" trigger polls a temporary folder every 100 ms. When it finds a file it has not
seen, it fires the "ingest_file" workflow with the file's path in the context (one file per poll);
otherwise it skips. Files are written under a temporary name and renamed when complete, so the
trigger never picks up half a file. The script drops three files, waits for their executions, and
prints the trigger's schedule and history: each fire is linked to the execution it started.

Several processes running this script on one database would poll the trigger once per interval
between them, not once each.

Run it with:  ./cloaca run samples/python/08_event_triggers.py
It stores its executions in the database named by DATABASE_URL (default: a private in-memory one).
"""
import os
import shutil
import tempfile
import time

import cloaca

inbox = tempfile.mkdtemp(prefix="cloaca_inbox_")
seen = set()

with cloaca.WorkflowBuilder("ingest_file") as builder:
    builder.description("Counts the lines of one arrived file")

    @cloaca.task(id="read_file")
    def read_file(context):
        with open(context.get("path")) as f:
            context.set("lines", len(f.read().splitlines()))
        return context

    @cloaca.task(id="summarize", dependencies=["read_file"])
    def summarize(context):
        name = os.path.basename(context.get("path"))
        context.set("summary", f"{name}: {context.get('lines')} line(s), fired by {context.get('trigger_name')}")
        return context


@cloaca.trigger(name="inbox_watcher", on="ingest_file", poll_interval="100ms")
def inbox_watcher():
    for name in sorted(os.listdir(inbox)):
        if name.endswith(".part") or name in seen:
            continue
        seen.add(name)
        return cloaca.TriggerResult.fire(cloaca.Context({"path": os.path.join(inbox, name)}))
    return cloaca.TriggerResult.skip()


def drop(name, lines):
    """Writes a file under a temporary name, then renames it: the trigger sees it whole or not at all."""
    part = os.path.join(inbox, name + ".part")
    with open(part, "w") as f:
        f.write("".join(f"row {i}\n" for i in range(lines)))
    os.rename(part, os.path.join(inbox, name))


def finished(runner):
    """The fires whose executions have ended, once there are three of them."""
    history = [h for h in runner.get_trigger_execution_history("inbox_watcher") if h["outcome"] == "fired"]
    return history if len(history) == 3 and all(h["completed_at"] for h in history) else None


with cloaca.DefaultRunner(os.environ.get("DATABASE_URL", ":memory:")) as runner:
    for name, lines in (("orders_a.csv", 3), ("orders_b.csv", 1), ("orders_c.csv", 5)):
        drop(name, lines)

    deadline = time.monotonic() + 30
    while (history := finished(runner)) is None:
        if time.monotonic() > deadline:
            raise SystemExit("the three files were not ingested within 30 s")
        time.sleep(0.05)

    schedule = runner.get_trigger_schedule("inbox_watcher")
    print(f"trigger: {schedule['trigger_name']} -> {schedule['workflow_name']}, "
          f"every {schedule['poll_interval_ms']} ms, enabled: {schedule['enabled']}")
    print("ingested:")
    results = [runner.wait_for(h["pipeline_execution_id"]) for h in history]
    for result in sorted(results, key=lambda r: r.final_context.get("path")):
        print(f"  {result.final_context.get('summary')}: {result.status}")
    print("history (newest first):")
    for h in history:
        print(f"  {h['outcome']} at {h['started_at']} -> execution {h['pipeline_execution_id']}")

    runner.set_trigger_enabled("inbox_watcher", False)
    print(f"enabled after set_trigger_enabled(False): {runner.get_trigger_schedule('inbox_watcher')['enabled']}")

shutil.rmtree(inbox)
