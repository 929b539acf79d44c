"""A first workflow: three tasks in a chain, each reading what the previous one wrote.

Run it with:  ./cloaca run samples/python/01_first_workflow.py
It stores its executions in the SQLite file named by DATABASE_URL (default: a private in-memory one).
"""
import os

import cloaca


@cloaca.task(id="fetch_order")
def fetch_order(context):
    order_id = context.get("order_id")
    context.set("order", {"id": order_id, "items": ["tea", "scones"], "total": 12.5})
    print(f"fetched order {order_id}")
    return context


@cloaca.task(id="apply_discount", dependencies=["fetch_order"])
def apply_discount(context):
    order = context.get("order")
    order["total"] = round(order["total"] * 0.9, 2)
    context.set("order", order)  # values are copies: set them back after changing them
    print(f"discounted total: {order['total']}")
    return context


@cloaca.task(id="send_receipt", dependencies=["apply_discount"])
def send_receipt(context):
    order = context.get("order")
    context.set("receipt", f"Order {order['id']}: {len(order['items'])} items, {order['total']:.2f} EUR")
    return context


def build_workflow():
    builder = cloaca.WorkflowBuilder("first_workflow")
    builder.description("Fetch an order, discount it, send a receipt")
    builder.add_task("fetch_order")
    builder.add_task("apply_discount")
    builder.add_task("send_receipt")
    return builder.build()


cloaca.register_workflow_constructor("first_workflow", build_workflow)

if __name__ == "__main__":
    database_url = os.environ.get("DATABASE_URL", ":memory:")
    with cloaca.DefaultRunner(database_url) as runner:
        result = runner.execute("first_workflow", cloaca.Context({"order_id": 42}))
        print(f"status: {result.status}")
        print(f"receipt: {result.final_context.get('receipt')}")
