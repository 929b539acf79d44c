"""Trigger rules: a branch chosen by a context value, and a clean-up that runs only when a task failed.

                      ┌─> ship_express  (only when shipping == "express") ─┐
    check_order ──────┤                                                    ├─> charge_card ─┬─> send_confirmation (only if charge_card succeeded)
                      └─> ship_standard (only when shipping == "standard") ┘                └─> release_stock     (only if charge_card failed)

- check_order picks the shipping method from the order total.
- Exactly one shipping task runs; the other ends "Skipped" without running, and says why.
- charge_card depends on both shipping tasks and has no rule, so it runs after whichever ran: a task
  waits for its dependencies to end, whether they completed, failed or were skipped.
- The clean-up, release_stock, runs only when charge_card failed; send_confirmation only when it
  succeeded. Rules name tasks by their short id.
- A workflow with skipped tasks and no failed one is "Completed".

Run it with:  ./cloaca run samples/python/09_trigger_rules.py
and look at an execution afterwards with:  ./cloaca executions <execution id>  (set DATABASE_URL to a file)
"""
import os

import cloaca

with cloaca.WorkflowBuilder("order_fulfilment"):

    @cloaca.task(id="check_order")
    def check_order(context):
        context.set("shipping", "express" if context.get("total") >= 100 else "standard")
        return context

    @cloaca.task(id="ship_express", dependencies=["check_order"],
                 trigger_rules=cloaca.context_value("shipping", "==", "express"))
    def ship_express(context):
        context.set("carrier", "overnight courier")
        return context

    @cloaca.task(id="ship_standard", dependencies=["check_order"],
                 trigger_rules=cloaca.context_value("shipping", "==", "standard"))
    def ship_standard(context):
        context.set("carrier", "parcel post")
        return context

    @cloaca.task(id="charge_card", dependencies=["ship_express", "ship_standard"], retry_attempts=1)
    def charge_card(context):
        if context.get("card") == "declined":
            raise RuntimeError(f"card declined for {context.get('total')} EUR")
        context.set("charged", context.get("total"))
        return context

    @cloaca.task(id="send_confirmation", dependencies=["charge_card"],
                 trigger_rules=cloaca.task_success("charge_card"))
    def send_confirmation(context):
        print(f"  confirmation: {context.get('charged')} EUR, shipped by {context.get('carrier')}")
        return context

    # A failed task passes no output on, so the clean-up also depends on the shipping tasks to learn the
    # carrier (a skipped task passes its input on).
    @cloaca.task(id="release_stock", dependencies=["ship_express", "ship_standard", "charge_card"],
                 trigger_rules=cloaca.task_failed("charge_card"))
    def release_stock(context):
        print(f"  clean-up: stock released, {context.get('carrier')} booking cancelled")
        return context


def main():
    database_url = os.environ.get("DATABASE_URL", ":memory:")
    orders = [("order 1", {"total": 250, "card": "valid"}), ("order 2", {"total": 40, "card": "declined"})]
    with cloaca.DefaultRunner(database_url) as runner:
        for label, order in orders:
            print(f"{label}:")
            result = runner.execute("order_fulfilment", cloaca.Context(order))
            print(f"  status: {result.status}" + (f" ({result.error_message})" if result.error_message else ""))
            for task in sorted(result.task_results, key=lambda t: t["task_id"]):
                reason = f" ({task['error']})" if task["status"] in ("Skipped", "Failed") else ""
                print(f"  {task['task_id']}: {task['status']}{reason}")
            print(f"  execution: {result.execution_id}")


if __name__ == "__main__":
    main()
