package io.cloaca.samples;

import io.cloaca.api.Cloaca;
import io.cloaca.api.Context;
import io.cloaca.api.ExecutionResult;
import io.cloaca.api.Workflow;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Embedding cloaca in a Java application: one workflow whose first tasks are Java lambdas and whose last
 * is a Python function from a {@code .py} file, run durably on SQLite. The README shows {@link #invoice}.
 *
 * <p>Run it with {@code mvn compile exec:java} in this folder (after {@code mvn install} at the repository
 * root), or from your IDE with two arguments: a database URL and the path of {@code src/main/python/receipt.py}.
 */
public final class EmbeddingExample {

    private EmbeddingExample() {
    }

    public static void main(String[] args) {
        String database = args.length > 0 ? args[0] : "sqlite://embedding.db";
        Path python = Path.of(args.length > 1 ? args[1] : "src/main/python/receipt.py");
        ExecutionResult result = invoice(database, python);
        System.out.println("invoice: " + result.status() + ", " + result.context().getString("receipt"));
        result.tasks().forEach(task -> System.out.println("  " + task.name() + ": " + task.status()));
    }

    /** Runs the mixed workflow "invoice" for four items and returns how it ended. */
    static ExecutionResult invoice(String database, Path pythonFile) {
        try (Cloaca cloaca = Cloaca.configure().database(database).maxConcurrentTasks(4).start()) {
            cloaca.python().load(pythonFile); // declares the Python task "receipt"
            cloaca.register(Workflow.named("invoice")
                    .task("price", ctx -> ctx.put("net", ctx.getInt("quantity") * 12.5))
                    .task("tax", List.of("price"), ctx -> ctx.put("gross", ctx.getDouble("net") * 1.2))
                    .task("receipt", List.of("tax"), cloaca.python().task("receipt"))
                    .build());
            return cloaca.execute("invoice", Context.of(Map.of("quantity", 4)));
        }
    }
}
