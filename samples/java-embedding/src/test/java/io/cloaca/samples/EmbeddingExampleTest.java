package io.cloaca.samples;

import io.cloaca.api.Cloaca;
import io.cloaca.api.Context;
import io.cloaca.api.ExecutionResult;
import io.cloaca.api.ExecutionStatus;
import io.cloaca.api.TaskResult;
import io.cloaca.api.TaskStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the sample as a user would, against the installed cloaca artifacts (Maven runs tests in this folder). */
class EmbeddingExampleTest {

    private static final Path PYTHON = Path.of("src/main/python/receipt.py");

    @TempDir
    Path dir;

    @Test
    void the_mixed_java_python_workflow_completes_on_sqlite() {
        ExecutionResult result = EmbeddingExample.invoice("sqlite://" + dir.resolve("app.db"), PYTHON);
        assertEquals(ExecutionStatus.COMPLETED, result.status());
        assertEquals(60.0, result.context().getDouble("gross"), 1e-9);
        assertEquals("4 x tea: 60.00 EUR", result.context().getString("receipt"));
        assertEquals(List.of(new TaskResult("price", TaskStatus.COMPLETED, 1, null),
                new TaskResult("tax", TaskStatus.COMPLETED, 1, null),
                new TaskResult("receipt", TaskStatus.COMPLETED, 1, null)), result.tasks());
    }

    @Test
    void a_workflow_defined_in_the_python_file_runs_from_java_by_its_name() {
        try (Cloaca cloaca = Cloaca.configure().database("sqlite://" + dir.resolve("py.db")).start()) {
            cloaca.python().load(PYTHON);
            ExecutionResult result = cloaca.execute("receipt", Context.empty().put("quantity", 2).put("gross", 30));
            assertEquals(ExecutionStatus.COMPLETED, result.status());
            assertEquals("2 x tea: 30.00 EUR", result.context().getString("receipt"));
        }
    }

    @Test
    void main_prints_the_outcome() {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            EmbeddingExample.main(new String[] {"sqlite://" + dir.resolve("main.db"), PYTHON.toString()});
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("invoice: COMPLETED, 4 x tea: 60.00 EUR"), out);
        assertTrue(out.contains("  receipt: COMPLETED"), out);
    }
}
