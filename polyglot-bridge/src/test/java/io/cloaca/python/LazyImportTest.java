package io.cloaca.python;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The submodules a hello workflow does not need (triggers, tenants, namespaces, embedding, the REPL,
 * the smoke-test helpers) are not imported when it runs, so that they cost nothing at start-up.
 */
class LazyImportTest {

    private static final String HELLO = """
            import cloaca

            @cloaca.task(id="hello")
            def hello(context):
                context.set("message", "Hello, World!")
                return context

            with cloaca.WorkflowBuilder("hello_workflow") as builder:
                builder.add_task("hello")

            with cloaca.DefaultRunner(":memory:") as runner:
                result = runner.execute("hello_workflow", cloaca.Context())
            assert result.status == "Completed", result
            """;

    @Test
    void a_hello_workflow_imports_only_the_submodules_it_uses(@TempDir Path dir) throws IOException {
        Path script = Files.writeString(dir.resolve("hello.py"), HELLO);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (PythonRuntime python = PythonRuntime.builder().arguments(List.of(script.toString())).err(err).build()) {
            assertEquals(0, python.runScript(script), err.toString());
            String imported = python.eval(
                    "import sys\n','.join(sorted(m for m in sys.modules if m.startswith('cloaca.')))").asString();
            assertEquals(List.of("cloaca._checks", "cloaca._context", "cloaca._json", "cloaca._launcher",
                    "cloaca._retry", "cloaca._rules", "cloaca._runner", "cloaca._runtime_fixes", "cloaca._tasks",
                    "cloaca._workflow"),
                    List.of(imported.split(",")));
        }
    }
}
