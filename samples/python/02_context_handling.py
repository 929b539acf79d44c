"""Context handling: nested data in the context, the get / modify / set pattern, and a failing task.

A small customer-onboarding workflow. The context carries a nested customer record (dicts inside
lists inside dicts); each task reads what it needs, changes its own copy and writes it back. One
check fails on purpose, and the script reports which task failed and why.

    load_customer ──> enrich_customer ──> score_customer ──┐
          └─────────> check_email (fails) ─────────────────┴──> onboarding_summary

Run it with:  ./cloaca run samples/python/02_context_handling.py
It stores its executions in the database named by DATABASE_URL (default: a private in-memory one).
"""
import os

import cloaca

with cloaca.WorkflowBuilder("customer_onboarding") as builder:
    builder.description("Load, enrich and score a new customer")

    @cloaca.task(id="load_customer")
    def load_customer(context):
        customer_id = context.get("customer_id")
        # Any JSON-shaped value can go into the context: nested dicts and lists included.
        context.set("customer", {
            "id": customer_id,
            "name": "Ada Lovelace",
            "contact": {"email": None, "phone": "+44 20 7946 0000"},
            "addresses": [{"kind": "home", "city": "London"}],
            "orders": [{"sku": "notebook", "amount": 12.5}, {"sku": "ink", "amount": 7.0}],
        })
        return context

    @cloaca.task(id="enrich_customer", dependencies=["load_customer"])
    def enrich_customer(context):
        # get() hands out a copy: changing it does not change the context...
        customer = context.get("customer")
        customer["addresses"].append({"kind": "work", "city": "Cambridge"})
        customer["tags"] = ["new", "newsletter"]
        # ...until the changed value is set back.
        context.set("customer", customer)
        return context

    @cloaca.task(id="score_customer", dependencies=["enrich_customer"])
    def score_customer(context):
        orders = context.get("customer")["orders"]
        spent = sum(order["amount"] for order in orders)
        context.set("loyalty", {"spent": spent, "tier": "gold" if spent >= 15 else "standard"})
        return None  # returning None keeps the changes made to the context in place

    @cloaca.task(id="check_email", dependencies=["load_customer"], retry_attempts=1)
    def check_email(context):
        customer = context.get("customer")
        if not customer["contact"]["email"]:
            raise ValueError(f"customer {customer['id']} has no email address")
        return context

    @cloaca.task(id="onboarding_summary", dependencies=["score_customer", "check_email"])
    def onboarding_summary(context):
        # Runs even though check_email failed: it sees the outputs of the dependencies that succeeded.
        customer = context.get("customer")
        cities = [address["city"] for address in customer["addresses"]]
        context.set("summary", f"{customer['name']} ({context.get('loyalty')['tier']}), "
                               f"addresses: {', '.join(cities)}")
        return context


def main():
    database_url = os.environ.get("DATABASE_URL", ":memory:")

    # The copy-in / copy-out rule, shown on a local context.
    local = cloaca.Context({"tags": ["a"]})
    tags = local.get("tags")
    tags.append("b")
    print(f"before set: {local.get('tags')}")
    local.set("tags", tags)
    print(f"after set: {local.get('tags')}")

    with cloaca.DefaultRunner(database_url) as runner:
        result = runner.execute("customer_onboarding", cloaca.Context({"customer_id": 17}))

    final = result.final_context
    print(f"summary: {final.get('summary')}")
    print(f"tags: {', '.join(final.get('customer')['tags'])}")
    print(f"status: {result.status}")
    print(f"error: {result.error_message}")
    # task_results has one entry per task: its id, status, attempts and last error.
    for task in result.task_results:
        if task["status"] == "Failed":
            print(f"failed task: {task['task_id']}: {task['error']}")


if __name__ == "__main__":
    main()
