"""A complex workflow: ten tasks, two diamonds and a fan-in of three branches.

A nightly sales report. Tasks are declared at module level and assembled with a WorkflowBuilder,
so the built Workflow can be inspected (its execution levels) before it is registered.

                       ┌─> clean_orders ────┐        ┌─> revenue_section ─┐
    extract_sales ─────┤                    ├─> join ├─> region_section ──┼─> assemble_report ─> publish ─> notify
                       └─> clean_customers ─┘        └─> product_section ─┘

When a task has several dependencies, their outputs are merged: lists are united (each element
once, order kept), dicts are merged key by key. So the three section tasks can each append to
"sections" and assemble_report sees all three.

Run it with:  ./cloaca run samples/python/03_complex_workflow.py
"""
import os

import cloaca

RAW_ORDERS = [
    {"order": 1, "customer": "c1", "product": "tea", "amount": 12.0},
    {"order": 2, "customer": "c2", "product": "coffee", "amount": 30.5},
    {"order": 3, "customer": "c1", "product": "coffee", "amount": -1.0},  # a refund glitch, dropped
    {"order": 4, "customer": "c3", "product": "tea", "amount": 8.25},
]
CUSTOMERS = {"c1": "north", "c2": "south", "c3": "north", "c9": None}


@cloaca.task(id="extract_sales")
def extract_sales(context):
    context.set("orders", RAW_ORDERS)
    context.set("customers", CUSTOMERS)
    return context


@cloaca.task(id="clean_orders", dependencies=["extract_sales"])
def clean_orders(context):
    context.set("orders", [o for o in context.get("orders") if o["amount"] > 0])
    context.set("cleaning", {"orders": "dropped non-positive amounts"})
    return context


@cloaca.task(id="clean_customers", dependencies=["extract_sales"])
def clean_customers(context):
    context.set("customers", {k: v for k, v in context.get("customers").items() if v})
    context.set("cleaning", {"customers": "dropped customers without a region"})
    return context


@cloaca.task(id="join", dependencies=["clean_orders", "clean_customers"])
def join(context):
    # Both cleaners wrote "cleaning": the merge kept both keys of that dict.
    regions = context.get("customers")
    rows = [{**o, "region": regions[o["customer"]]} for o in context.get("orders") if o["customer"] in regions]
    context.set("rows", rows)
    context.set("sections", [])
    return context


def add_section(context, name, lines):
    sections = context.get("sections")
    sections.append(name)
    context.set("sections", sections)
    context.set(f"section_{name}", lines)
    return context


@cloaca.task(id="revenue_section", dependencies=["join"])
def revenue_section(context):
    total = sum(r["amount"] for r in context.get("rows"))
    return add_section(context, "revenue", [f"total revenue: {total:.2f}"])


@cloaca.task(id="region_section", dependencies=["join"])
def region_section(context):
    by_region = {}
    for r in context.get("rows"):
        by_region[r["region"]] = by_region.get(r["region"], 0) + r["amount"]
    return add_section(context, "region", [f"{k}: {v:.2f}" for k, v in sorted(by_region.items())])


@cloaca.task(id="product_section", dependencies=["join"])
def product_section(context):
    counts = {}
    for r in context.get("rows"):
        counts[r["product"]] = counts.get(r["product"], 0) + 1
    return add_section(context, "product", [f"{k} x{v}" for k, v in sorted(counts.items())])


@cloaca.task(id="assemble_report", dependencies=["revenue_section", "region_section", "product_section"])
def assemble_report(context):
    names = sorted(context.get("sections"))
    lines = [line for name in names for line in context.get(f"section_{name}")]
    context.set("report", lines)
    return context


@cloaca.task(id="publish", dependencies=["assemble_report"])
def publish(context):
    context.set("published_to", f"reports/{context.get('report_date')}.txt")
    return context


@cloaca.task(id="notify", dependencies=["publish"])
def notify(context):
    context.set("notified", ["sales@example.com", "ops@example.com"])
    return context


TASKS = ["extract_sales", "clean_orders", "clean_customers", "join", "revenue_section", "region_section",
         "product_section", "assemble_report", "publish", "notify"]


def build_workflow():
    builder = cloaca.WorkflowBuilder("nightly_sales_report")
    builder.description("Clean, join and report the day's sales")
    builder.tag("team", "analytics")
    for task_id in TASKS:
        builder.add_task(task_id)
    return builder.build()


def short(namespace):
    return namespace.rsplit("::", 1)[-1]


def main():
    workflow = build_workflow()
    print(f"tasks: {len(TASKS)}")
    for i, level in enumerate(workflow.get_execution_levels(), start=1):
        print(f"level {i}: {', '.join(sorted(short(ns) for ns in level))}")
    cloaca.register_workflow_constructor("nightly_sales_report", build_workflow)

    database_url = os.environ.get("DATABASE_URL", ":memory:")
    with cloaca.DefaultRunner(database_url) as runner:
        result = runner.execute("nightly_sales_report", cloaca.Context({"report_date": "2025-06-30"}))

    final = result.final_context
    print(f"status: {result.status}")
    print(f"cleaning notes: {', '.join(sorted(final.get('cleaning')))}")
    print(f"sections merged: {', '.join(sorted(final.get('sections')))} ({len(final.get('sections'))})")
    for line in final.get("report"):
        print(f"report | {line}")
    print(f"published to: {final.get('published_to')}")
    print(f"completed tasks: {sum(t['status'] == 'Completed' for t in result.task_results)}")


if __name__ == "__main__":
    main()
