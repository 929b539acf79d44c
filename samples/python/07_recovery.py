"""Crash and resume: a running workflow survives its process being killed.

Try it by hand:

    ./cloaca run samples/python/07_recovery.py            # starts a 25-task workflow; stop it mid-way
                                                          #   with kill -9 <pid> from another shell, or Ctrl-C
    ./cloaca run samples/python/07_recovery.py --resume   # a new process finishes what was left

<pid> is the one the first run prints, os.getpid(). By default `cloaca run` runs the script in a
background runtime, so that is the runtime's pid, not the `cloaca run` process's (and os.getppid() is
the runtime's parent, not your shell); killing either ends the run (after the runtime's death `cloaca
run` says "the background runtime ended unexpectedly" and exits 1). With CLOACA_DAEMON=0 the script
runs in the `cloaca run` process and the two pids are one.

Every task appends "start <task>" and "end <task>" to a log file, so you can see which tasks ran
twice. After kill -9, those that were running when the process died start again (their results had
not been committed): the dead process's liveness lock is free, so the second process takes them over
as soon as it opens its runner, without waiting for their leases. After Ctrl-C the runner stops
gracefully: running tasks finish and the rest waits in the database, so nothing runs twice. Tasks that
had completed are never run again.

DATABASE_URL picks the database (default: sqlite://recovery_demo.db in the current directory),
RECOVERY_LOG the log file (default: recovery_demo.log in the current directory), RECOVERY_STEP_SECONDS
how long each step sleeps (default 0.4), RECOVERY_STEPS the number of steps per lane (default 6; four
lanes run side by side, then a join). Another number of steps is another version of the workflow: a
process with another version fails an unfinished execution rather than continue it.
"""
import os
import sys
import time

import cloaca

DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite://recovery_demo.db")
LOG_FILE = os.environ.get("RECOVERY_LOG", "recovery_demo.log")
LANES = 4                # four parallel lanes of six steps, then one task that joins them
# Another number of steps is another version of the workflow: an execution started with one version is
# failed, not continued, by a process that has another (try it with --resume).
STEPS = int(os.environ.get("RECOVERY_STEPS", "6"))
STEP_SECONDS = float(os.environ.get("RECOVERY_STEP_SECONDS", "0.4"))


def note(event, task_id):
    # One short line per write, opened in append mode: lines from concurrent tasks do not interleave.
    with open(LOG_FILE, "a") as log:
        log.write(f"{event} {task_id}\n")


def make_step(lane, step):
    task_id = f"lane{lane}_step{step}"
    dependencies = [f"lane{lane}_step{step - 1}"] if step > 1 else []

    @cloaca.task(id=task_id, dependencies=dependencies)
    def run_step(context):
        note("start", task_id)
        time.sleep(STEP_SECONDS)
        context.set(task_id, "done")
        note("end", task_id)
        return context

    return task_id


@cloaca.task(id="join", dependencies=[f"lane{lane}_step{STEPS}" for lane in range(1, LANES + 1)])
def join(context):
    note("start", "join")
    finished = sorted(k for k, v in context.to_dict().items() if v == "done")
    context.set("finished_steps", len(finished))
    note("end", "join")
    return context


def build_workflow():
    builder = cloaca.WorkflowBuilder("recovery_demo")
    builder.description("Four lanes of slow steps and a join: long enough to be interrupted")
    for lane in range(1, LANES + 1):
        for step in range(1, STEPS + 1):
            builder.add_task(make_step(lane, step))
    builder.add_task("join")
    return builder.build()


cloaca.register_workflow_constructor("recovery_demo", build_workflow)

# The default lease (60 s) is fine: after a kill -9 the next process sees at start-up that the dead
# process's liveness lock is free and takes its tasks over at once; after Ctrl-C the interrupted runner
# gives its unstarted work back as it stops. The lease only matters for a process that is alive but stuck.
config = cloaca.DefaultRunnerConfig(max_concurrent_tasks=4)


def report(result):
    final = result.final_context
    print(f"execution {result.execution_id}: {result.status}, "
          f"{final.get('finished_steps')} of {LANES * STEPS} steps in the final context")


if __name__ == "__main__":
    with cloaca.DefaultRunner.with_config(DATABASE_URL, config) as runner:
        if "--resume" in sys.argv[1:]:
            unfinished = [e for e in runner.list_executions("recovery_demo") if e["status"] == "Running"]
            print(f"resuming {len(unfinished)} unfinished execution(s)")
            for execution in unfinished:
                report(runner.wait_for(execution["execution_id"], timeout_seconds=300))
        else:
            print(f"starting recovery_demo; kill -9 {os.getpid()} to see recovery", flush=True)
            report(runner.execute("recovery_demo", cloaca.Context({"started_by": os.getpid()})))
