"""Error handling: retries with backoff, a task that recovers, and one that fails for good.

    fetch_rates (flaky: fails twice, then works) ──> validate_payment (always fails) ──> write_audit_log

- fetch_rates retries up to 3 attempts in total with exponential backoff (100 ms, then 200 ms).
- validate_payment has 2 attempts with a fixed 100 ms delay, but its input is wrong, so it fails
  both times and the workflow ends as "Failed".
- write_audit_log still runs: dependents of a failed task run with what the successful tasks produced.

on_failure is called after every failed attempt and on_success after the attempt that worked, so
the script can log each one. At the end it reads result.task_results to say which task failed and why.

Run it with:  ./cloaca run samples/python/04_error_handling.py
"""
import os

import cloaca

attempts = {}  # task id -> attempts so far, counted by the script itself


def log_failure(task_id, error, context):
    print(f"{task_id} attempt {attempts[task_id]} failed: {error}")


def log_success(task_id, context):
    print(f"{task_id} succeeded on attempt {attempts[task_id]}")


def count_attempt(task_id):
    attempts[task_id] = attempts.get(task_id, 0) + 1
    return attempts[task_id]


with cloaca.WorkflowBuilder("payment_processing"):

    @cloaca.task(id="fetch_rates", retry_attempts=3, retry_backoff="exponential", retry_delay_ms=100,
                 retry_jitter=False, on_failure=log_failure, on_success=log_success)
    def fetch_rates(context):
        if count_attempt("fetch_rates") < 3:
            # A transient problem: the next attempt may well succeed.
            raise ConnectionError("connection reset by rates service")
        context.set("rate", {"EUR": 1.0, "USD": 1.08})
        return context

    @cloaca.task(id="validate_payment", dependencies=["fetch_rates"], retry_attempts=2, retry_backoff="fixed",
                 retry_delay_ms=100, retry_jitter=False, on_failure=log_failure, on_success=log_success)
    def validate_payment(context):
        count_attempt("validate_payment")
        amount = context.get("amount")
        if amount <= 0:
            # Retrying cannot fix bad input; after its last attempt the task is Failed.
            raise ValueError(f"amount must be positive, got {amount}")
        context.set("validated", True)
        return context

    @cloaca.task(id="write_audit_log", dependencies=["validate_payment"])
    def write_audit_log(context):
        count_attempt("write_audit_log")
        context.set("audit", "payment attempt recorded")
        return context


def main():
    database_url = os.environ.get("DATABASE_URL", ":memory:")
    with cloaca.DefaultRunner(database_url) as runner:
        result = runner.execute("payment_processing", cloaca.Context({"amount": -5, "currency": "USD"}))

    print(f"status: {result.status}")
    print(f"error: {result.error_message}")
    print(f"audit: {result.final_context.get('audit')}")
    by_id = {t["task_id"]: t for t in result.task_results}
    for task_id in ("fetch_rates", "validate_payment", "write_audit_log"):
        task = by_id[task_id]
        line = f"task {task_id}: {task['status']} after {task['attempts']} attempt(s)"
        if task["status"] == "Failed":
            line += f": {task['error']}"
        print(line)


if __name__ == "__main__":
    main()
