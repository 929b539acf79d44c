package io.cloaca.samples;

import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.ExecutionResult;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.python.PythonRuntime;

import java.util.List;

/**
 * Embedding cloaca in a Java application: one workflow written in Java, one defined by Python code,
 * both run by runners from the same runtime on one SQLite database.
 *
 * <p>Run it with {@code mvn -q -pl samples -am compile exec:java} or from your IDE; pass a database
 * URL as the first argument (default: a private in-memory database).
 */
public final class EmbeddingExample {

    private EmbeddingExample() {
    }

    /** A workflow whose tasks are Java lambdas: a context in, the same context (changed) out. */
    static Workflow invoiceWorkflow() {
        return Workflow.builder("invoice")
                .description("Price an order and add tax")
                .task("price", ctx -> ctx.set("net", ctx.get("quantity").asInt() * 12.5))
                .task("tax", List.of("price"), ctx -> ctx.set("gross", ctx.get("net").asDouble() * 1.2))
                .build();
    }

    /** The same kind of workflow, written in Python with the cloaca module. */
    static final String PYTHON_WORKFLOW = """
            import cloaca

            @cloaca.task(id="shout")
            def shout(context):
                context.set("message", context.get("message", "").upper() + "!")
                return context

            builder = cloaca.WorkflowBuilder("shout")
            builder.add_task("shout")
            cloaca.register_workflow_constructor("shout", lambda: builder.build())
            """;

    public static void main(String[] args) {
        String url = args.length > 0 ? args[0] : ":memory:";
        try (PythonRuntime python = PythonRuntime.builder().build()) {
            // Python registers into the runtime's registry; Java code can register there too.
            python.eval(PYTHON_WORKFLOW);
            python.registry().register(invoiceWorkflow());

            Runner runner = python.runners().open(url, RunnerConfig.DEFAULT);
            ExecutionResult invoice = runner.execute("invoice", Context.empty().set("quantity", 4));
            System.out.println("invoice: " + invoice.status() + ", gross " + invoice.finalContext().get("gross"));

            ExecutionResult shout = runner.execute("shout", Context.empty().set("message", "hello from java"));
            System.out.println("shout: " + shout.status() + ", " + shout.finalContext().get("message").asText());
        } // closing the runtime shuts its runners down
    }
}
