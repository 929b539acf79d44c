package io.cloaca.python;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code PythonRuntime.builder().workerContexts(n)} ({@code cloaca run --python-contexts N}): Python tasks
 * run in interpreters of their own, which import the script as {@code __cloaca_worker__}. Two tasks that
 * wait for each other to start are both running at once, so each holds an interpreter of its own; the
 * interpreter is told apart by {@code __name__} and a token made at import.
 */
class WorkerContextsTest {

    /** Tasks a and b each wait (up to a minute) until the other has started, then print where they ran. */
    private static final String PAIR = """
            import os, sys, time, uuid
            import cloaca

            TOKEN = uuid.uuid4().hex
            print("imported")

            def meet(me, other):
                open(os.path.join(sys.argv[1], me), "w").close()
                deadline = time.time() + 60
                while not os.path.exists(os.path.join(sys.argv[1], other)):
                    if time.time() > deadline:
                        raise RuntimeError(f"{other} never started")
                    time.sleep(0.01)

            @cloaca.task(id="a")
            def a(context):
                meet("a", "b")
                print("ran a", __name__, TOKEN)
                return context

            @cloaca.task(id="b")
            def b(context):
                meet("b", "a")
                print("ran b", __name__, TOKEN)
                return context

            @cloaca.task(id="boom", retry_attempts=1)
            def boom(context):
                print("boom in", __name__)
                raise ValueError("boom")

            with cloaca.WorkflowBuilder("pair") as builder:
                builder.add_task("a")
                builder.add_task("b")

            with cloaca.WorkflowBuilder("failing") as builder:
                builder.add_task("boom")

            if __name__ == "__main__":
                print("main", __name__, TOKEN)
                config = cloaca.DefaultRunnerConfig(max_concurrent_tasks=2)
                with cloaca.DefaultRunner.with_config(":memory:", config) as runner:
                    print("pair", runner.execute("pair", cloaca.Context()).status)
                    failed = runner.execute("failing", cloaca.Context())
                    print("failing", failed.status, failed.error_message)
            """;

    @TempDir
    Path dir;

    private record Run(int status, String out, String err) {
        /** "ran a"/"ran b" lines: task to [module name, token]. */
        Map<String, List<String>> ran() {
            return out.lines().filter(l -> l.startsWith("ran ")).map(l -> l.split(" "))
                    .collect(Collectors.toMap(p -> p[1], p -> List.of(p[2], p[3])));
        }

        String mainToken() {
            return out.lines().filter(l -> l.startsWith("main ")).findFirst().orElseThrow().split(" ")[2];
        }
    }

    private Run run(String script, int workers) throws IOException {
        Path file = dir.resolve("script.py");
        Files.writeString(file, script);
        Path meetings = Files.createDirectories(dir.resolve("meet-" + System.nanoTime()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PythonRuntime python = PythonRuntime.builder().workerContexts(workers).out(out).err(err)
                .arguments(List.of(file.toString(), meetings.toString())).build()) {
            status = python.runScript(file);
        }
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void tasks_running_at_once_run_in_worker_interpreters_of_their_own() throws IOException {
        Run run = run(PAIR, 2);
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("pair Completed"), run.out());
        Map<String, List<String>> ran = run.ran();
        assertEquals("__cloaca_worker__", ran.get("a").get(0), run.out());
        assertEquals("__cloaca_worker__", ran.get("b").get(0), run.out());
        assertNotEquals(ran.get("a").get(1), ran.get("b").get(1), "one interpreter each: " + run.out());
        assertNotEquals(run.mainToken(), ran.get("a").get(1));
        // The workers' imports print nothing: the module-level line shows once, from the script's own run.
        assertEquals(1, run.out().lines().filter("imported"::equals).count(), run.out());
        // A task that raises in a worker fails as in the script's interpreter.
        assertTrue(run.out().contains("failing Failed"), run.out());
        assertTrue(run.out().contains("boom in __cloaca_worker__"), run.out());
    }

    @Test
    void past_the_limit_a_task_runs_in_the_scripts_interpreter() throws IOException {
        Run run = run(PAIR, 1);
        assertEquals(0, run.status(), run.err());
        Map<String, List<String>> ran = run.ran();
        List<String> modules = List.of(ran.get("a").get(0), ran.get("b").get(0));
        assertTrue(modules.contains("__main__") && modules.contains("__cloaca_worker__"), run.out());
        String mainRan = ran.get("a").get(0).equals("__main__") ? "a" : "b";
        assertEquals(run.mainToken(), ran.get(mainRan).get(1));
    }

    @Test
    void without_workers_every_task_runs_in_the_scripts_interpreter() throws IOException {
        Run run = run(PAIR, 0);
        assertEquals(0, run.status(), run.err());
        assertEquals(run.mainToken(), run.ran().get("a").get(1), run.out());
        assertEquals(run.mainToken(), run.ran().get("b").get(1), run.out());
        assertTrue(run.out().contains("boom in __main__"), run.out());
    }

    @Test
    void a_script_that_opens_a_runner_outside_its_main_block_runs_its_tasks_in_its_own_interpreter()
            throws IOException {
        String unguarded = PAIR.replace("if __name__ == \"__main__\":", "if True:");
        Run run = run(unguarded, 2);
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("pair Completed"), run.out());
        assertEquals("__main__", run.ran().get("a").get(0), run.out());
        assertEquals("__main__", run.ran().get("b").get(0), run.out());
        List<String> notice = run.err().lines().filter(l -> l.startsWith("cloaca:")).toList();
        assertEquals(1, notice.size(), run.err());
        assertTrue(notice.get(0).contains("could not be imported as __cloaca_worker__ (RuntimeError: A DefaultRunner "
                + "cannot be opened in a worker thread's interpreter"), notice.get(0));
    }

    @Test
    void a_task_declared_in_the_main_block_runs_in_the_scripts_interpreter() throws IOException {
        String late = PAIR.replace("with cloaca.WorkflowBuilder(\"pair\") as builder:", "if __name__ == \"__main__\":\n"
                + "  with cloaca.WorkflowBuilder(\"pair\") as builder:");
        Run run = run(late, 2);
        assertEquals(0, run.status(), run.err());
        assertEquals("__main__", run.ran().get("a").get(0), run.out());
        assertEquals("__main__", run.ran().get("b").get(0), run.out());
        assertTrue(run.out().contains("boom in __cloaca_worker__"), run.out());
    }

    @Test
    void a_negative_count_is_refused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PythonRuntime.builder().workerContexts(-1));
        assertEquals("workerContexts must be 0 or more, not -1", e.getMessage());
    }
}
