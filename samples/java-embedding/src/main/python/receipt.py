"""A Python workflow file that a Java application loads: it declares the task "receipt", which the Java
workflow "invoice" uses, and a workflow of its own, "receipt", runnable from Java by that name."""
import cloaca


@cloaca.task(id="receipt")
def receipt(context):
    context.set("receipt", f"{context.get('quantity')} x tea: {context.get('gross'):.2f} EUR")
    return context


builder = cloaca.WorkflowBuilder("receipt")
builder.add_task("receipt")
cloaca.register_workflow_constructor("receipt", lambda: builder.build())
