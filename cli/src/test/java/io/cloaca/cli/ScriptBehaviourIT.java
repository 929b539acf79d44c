package io.cloaca.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code cloaca run} behaves like {@code python3 script.py}: small scripts, run through the real launcher. */
class ScriptBehaviourIT {

    @TempDir
    Path dir;

    private Path write(String name, String source) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, source);
        return file;
    }

    private static CloacaProcess.Result run(Map<String, String> env, Path script, String... args) throws Exception {
        String[] command = new String[args.length + 2];
        command[0] = "run";
        command[1] = script.toString();
        System.arraycopy(args, 0, command, 2, args.length);
        return CloacaProcess.run(env, command);
    }

    private static void assertNoJavaStackTrace(CloacaProcess.Result r) {
        assertFalse(r.stderr().contains("\tat "), r::toString);
        assertFalse(r.stderr().contains("Exception in thread"), r::toString);
        assertFalse(r.stderr().contains("org.graalvm"), r::toString);
        assertFalse(r.stderr().contains("polyglot.ForeignException"), r::toString);
    }

    @Test
    void the_script_runs_as_main() throws Exception {
        Path script = write("main_check.py", """
                print(f"name={__name__}")
                if __name__ == "__main__":
                    print("main block ran")
                """);
        CloacaProcess.Result r = run(Map.of(), script);
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("name=__main__\nmain block ran\n", r.stdout(), r::toString);
    }

    @Test
    void python_contexts_run_tasks_in_interpreters_that_import_the_script_without_its_main_block() throws Exception {
        Path script = write("workers.py", """
                import cloaca

                @cloaca.task(id="where")
                def where(context):
                    print(f"task in {__name__}")
                    return context

                with cloaca.WorkflowBuilder("w") as builder:
                    builder.add_task("where")

                if __name__ == "__main__":
                    with cloaca.DefaultRunner(":memory:") as runner:
                        print(runner.execute("w", cloaca.Context()).status)
                """);
        CloacaProcess.Result r = CloacaProcess.run(Map.of(), "run", "--python-contexts", "2", script.toString());
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("task in __cloaca_worker__\nCompleted\n", r.stdout(), r::toString);

        r = CloacaProcess.run(Map.of(), "run", "--python-contexts", "-1", script.toString());
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.stderr().startsWith("--python-contexts must be 0 or more, not -1"), r::toString);
        assertEquals("", r.stdout(), r::toString);
    }

    @Test
    void sys_argv_is_the_script_path_then_the_arguments() throws Exception {
        Path script = write("args.py", """
                import sys
                print(repr(sys.argv))
                """);
        CloacaProcess.Result r = run(Map.of(), script, "one", "two words", "--flag");
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("['" + script + "', 'one', 'two words', '--flag']\n", r.stdout(), r::toString);
    }

    /**
     * As {@code python3 sub/where.py x}: sys.argv[0] is the path as typed, __file__ the absolute path,
     * sys.path[0] the script's folder with links resolved, and the traceback names the script's line; in
     * this process and in the daemon.
     */
    @Test
    void sys_argv_0_is_the_script_as_typed_and_file_and_path_are_absolute() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("sub"));
        Files.writeString(sub.resolve("where.py"), """
                import sys
                print(sys.argv, __file__, sys.path[0])
                raise ValueError("after printing")
                """);
        Files.createSymbolicLink(dir.resolve("linked.py"), sub.resolve("where.py"));
        Path real = dir.toRealPath();
        for (String daemon : List.of("1", "0")) {
            for (String typed : List.of("sub/where.py", "linked.py")) {
                List<String> command = List.of(CloacaProcess.ROOT.resolve("cloaca").toString(), "run", typed, "x");
                CloacaProcess.Result r = CloacaProcess.exec(command, dir, Map.of("CLOACA_DAEMON", daemon), "");
                String seen = "CLOACA_DAEMON=" + daemon + ": " + r;
                assertEquals(1, r.exitCode(), seen);
                assertEquals("['" + typed + "', 'x'] " + dir.resolve(typed) + " " + real.resolve("sub") + "\n",
                        r.stdout(), seen);
                assertTrue(r.stderr().startsWith("Traceback (most recent call last):\n  File \""), seen);
                assertTrue(r.stderr().contains("where.py\", line 3, in <module>"), seen);
                assertEquals(4, r.stderr().lines().count(), "only the script's frame: " + seen);
            }
        }
    }

    @Test
    void a_module_next_to_the_script_is_importable() throws Exception {
        write("pricing.py", """
                VAT = 0.2

                def gross(net):
                    return round(net * (1 + VAT), 2)
                """);
        Path script = write("uses_module.py", """
                import pricing
                from pricing import gross
                print(gross(10.0), pricing.VAT)
                """);
        CloacaProcess.Result r = run(Map.of(), script);
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("12.0 0.2\n", r.stdout(), r::toString);
    }

    @Test
    void environment_variables_are_readable() throws Exception {
        Path script = write("env.py", """
                import os
                print(os.environ["CLOACA_IT_GREETING"])
                print(os.environ.get("CLOACA_IT_UNSET", "unset"))
                print(os.getenv("CLOACA_IT_GREETING"))
                """);
        CloacaProcess.Result r = run(Map.of("CLOACA_IT_GREETING", "hello from the environment"), script);
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("hello from the environment\nunset\nhello from the environment\n", r.stdout(), r::toString);
    }

    @Test
    void an_uncaught_exception_prints_a_python_traceback_and_exits_1() throws Exception {
        Path script = write("fails.py", """
                def parse(value):
                    return int(value)

                print("before the error")
                parse("not a number")
                print("never printed")
                """);
        CloacaProcess.Result r = run(Map.of(), script);
        assertEquals(1, r.exitCode(), r::toString);
        assertEquals("before the error\n", r.stdout(), r::toString);
        assertTrue(r.stderr().contains("Traceback (most recent call last):"), r::toString);
        assertTrue(r.stderr().contains("File \"" + script + "\", line 5, in <module>"), r::toString);
        assertTrue(r.stderr().contains("File \"" + script + "\", line 2, in parse"), r::toString);
        assertTrue(r.stderr().contains("ValueError: invalid literal for int() with base 10: 'not a number'"),
                r::toString);
        assertNoJavaStackTrace(r);
    }

    @Test
    void a_cloaca_error_surfaces_as_a_python_exception() throws Exception {
        Path script = write("cloaca_error.py", """
                import cloaca
                with cloaca.DefaultRunner(":memory:") as runner:
                    runner.execute("no_such_workflow", cloaca.Context())
                """);
        CloacaProcess.Result r = run(Map.of(), script);
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.stderr().contains("File \"" + script + "\", line 3, in <module>"), r::toString);
        assertTrue(r.stderr().contains("ValueError: Workflow execution failed: Pipeline execution failed: "
                + "Failed to schedule workflow: Workflow not found in registry: no_such_workflow"), r::toString);
        assertNoJavaStackTrace(r);
    }

    @Test
    void a_syntax_error_names_the_file_and_exits_1() throws Exception {
        Path script = write("broken_syntax.py", """
                print("this line is fine")
                def missing_paren(:
                    pass
                """);
        CloacaProcess.Result r = run(Map.of(), script);
        assertEquals(1, r.exitCode(), r::toString);
        assertEquals("", r.stdout(), r::toString);
        assertTrue(r.stderr().contains("File \"" + script + "\", line 2"), r::toString);
        assertTrue(r.stderr().contains("SyntaxError"), r::toString);
        assertNoJavaStackTrace(r);
    }

    @Test
    void sys_exit_sets_the_exit_code() throws Exception {
        Path three = write("exit3.py", """
                import sys
                print("leaving")
                sys.exit(3)
                print("not reached")
                """);
        CloacaProcess.Result r = run(Map.of(), three);
        assertEquals(3, r.exitCode(), r::toString);
        assertEquals("leaving\n", r.stdout(), r::toString);
        assertNoJavaStackTrace(r);

        Path message = write("exit_message.py", "import sys\nsys.exit('configuration missing')\n");
        CloacaProcess.Result m = run(Map.of(), message);
        assertEquals(1, m.exitCode(), m::toString);
        assertTrue(m.stderr().contains("configuration missing"), m::toString);

        Path zero = write("exit0.py", "raise SystemExit\n");
        assertEquals(0, run(Map.of(), zero).exitCode());
    }

    /** sys.exit() in a task is that task's failure, logged with the script's line, not the script's exit. */
    @Test
    void sys_exit_in_a_task_fails_the_task_and_the_script_goes_on() throws Exception {
        Path script = write("task_exit.py", """
                import sys, cloaca

                @cloaca.task(id="leave", retry_attempts=1)
                def leave(context):
                    sys.exit(3)

                with cloaca.WorkflowBuilder("exits") as builder:
                    builder.add_task("leave")
                with cloaca.DefaultRunner(":memory:") as runner:
                    print(runner.execute("exits", cloaca.Context()).task_results[0]["error"])
                print("still running")
                """);
        CloacaProcess.Result r = run(Map.of(), script);
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("Python task execution failed: SystemExit: 3\nstill running\n", r.stdout(), r::toString);
        assertTrue(r.stderr().contains("File \"" + script + "\", line 5, in leave"), r::toString);
        assertNoJavaStackTrace(r);
    }

    @Test
    void print_order_is_preserved_including_output_from_tasks() throws Exception {
        Path script = write("order.py", """
                import threading
                import cloaca

                with cloaca.WorkflowBuilder("print_order"):
                    @cloaca.task(id="first")
                    def first(context):
                        print("task first")
                        return context

                    @cloaca.task(id="second", dependencies=["first"])
                    def second(context):
                        print("task second")
                        return context

                for i in range(200):
                    print(f"line {i}")
                worker = threading.Thread(target=lambda: print("from a thread"))
                worker.start()
                worker.join()
                with cloaca.DefaultRunner(":memory:") as runner:
                    print("before execute")
                    result = runner.execute("print_order", cloaca.Context())
                    print(f"after execute: {result.status}")
                print("done", flush=False)
                """);
        CloacaProcess.Result r = run(Map.of(), script);
        assertEquals(0, r.exitCode(), r::toString);
        String expected = IntStream.range(0, 200).mapToObj(i -> "line " + i + "\n").collect(Collectors.joining())
                + "from a thread\nbefore execute\ntask first\ntask second\nafter execute: Completed\ndone\n";
        assertEquals(expected, r.stdout(), r::toString);
    }

    @Test
    void threads_and_file_io_work() throws Exception {
        Path script = write("threads_io.py", """
                import json
                import os
                import sys
                import threading
                from concurrent.futures import ThreadPoolExecutor

                out_dir = sys.argv[1]
                lock = threading.Lock()
                totals = []

                def work(n):
                    path = os.path.join(out_dir, f"part-{n}.json")
                    with open(path, "w") as f:
                        json.dump({"n": n, "square": n * n}, f)
                    with open(path) as f:
                        value = json.load(f)["square"]
                    with lock:
                        totals.append(value)

                threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                with ThreadPoolExecutor(max_workers=4) as pool:
                    doubled = sorted(pool.map(lambda n: n * 2, range(5)))
                print(sum(totals), len(os.listdir(out_dir)), doubled)
                """);
        Path outDir = Files.createDirectory(dir.resolve("out"));
        CloacaProcess.Result r = run(Map.of(), script, outDir.toString());
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("140 8 [0, 2, 4, 6, 8]\n", r.stdout(), r::toString);
        assertTrue(Files.exists(outDir.resolve("part-7.json")));
    }

    @Test
    void a_missing_script_gives_a_clear_message_and_exit_2() throws Exception {
        Path missing = dir.resolve("does_not_exist.py");
        CloacaProcess.Result r = run(Map.of(), missing);
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.stderr().contains("can't open file '" + missing + "'"), r::toString);
        assertEquals("", r.stdout(), r::toString);
        assertNoJavaStackTrace(r);
    }

    /**
     * {@code cloaca run -} runs the script given on stdin, as {@code python -} does (name {@code <stdin>},
     * the working folder first on sys.path, stdin then at its end), in this process and in the daemon.
     */
    @Test
    void a_script_on_stdin_runs_with_a_dash() throws Exception {
        String source = """
                import sys
                print(sys.argv, repr(sys.path[0]), __name__, __file__, repr(sys.stdin.read()))
                raise SystemExit(int(sys.argv[1]))
                """;
        for (String daemon : List.of("0", "1")) {
            CloacaProcess.Result r = CloacaProcess.runWithInput(Map.of("CLOACA_DAEMON", daemon), source, "run", "-",
                    "3");
            assertEquals(3, r.exitCode(), "CLOACA_DAEMON=" + daemon + ": " + r);
            assertEquals("['-', '3'] '' __main__ <stdin> ''\n", r.stdout(), "CLOACA_DAEMON=" + daemon + ": " + r);

            CloacaProcess.Result failing = CloacaProcess.runWithInput(Map.of("CLOACA_DAEMON", daemon),
                    "x = 1\n1 / 0\n", "run", "-");
            assertEquals(1, failing.exitCode(), failing::toString);
            assertTrue(failing.stderr().contains("File \"<stdin>\", line 2, in <module>"), failing::toString);
            assertTrue(failing.stderr().contains("ZeroDivisionError"), failing::toString);
            assertNoJavaStackTrace(failing);
        }
    }

    /** --progress reports each task's end on stderr (retries too); without it stderr stays the script's. */
    @Test
    void progress_goes_to_stderr_only_when_asked_for() throws Exception {
        Path script = write("progress.py", """
                import cloaca
                tries = []
                with cloaca.WorkflowBuilder("progress_demo"):
                    @cloaca.task(id="flaky", retry_attempts=2, retry_delay_ms=10, retry_jitter=False)
                    def flaky(ctx):
                        tries.append(1)
                        if len(tries) < 2:
                            raise ValueError("first try fails")
                        return ctx
                    @cloaca.task(id="last", dependencies=["flaky"])
                    def last(ctx):
                        return ctx
                with cloaca.DefaultRunner(":memory:") as runner:
                    print(runner.execute("progress_demo", cloaca.Context()).status)
                """);
        CloacaProcess.Result quiet = CloacaProcess.run(Map.of(), "run", script.toString());
        assertEquals(0, quiet.exitCode(), quiet::toString);
        assertEquals("Completed\n", quiet.stdout(), quiet::toString);
        assertEquals("", quiet.stderr(), quiet::toString);

        CloacaProcess.Result shown = CloacaProcess.run(Map.of(), "run", "--progress", script.toString());
        assertEquals(0, shown.exitCode(), shown::toString);
        assertEquals("Completed\n", shown.stdout(), shown::toString);
        String err = shown.stderr();
        assertTrue(err.contains("  ~  progress_demo::flaky  attempt 1/2 failed after "), shown::toString);
        assertTrue(err.contains("ValueError: first try fails"), shown::toString);
        assertTrue(err.contains("  ok progress_demo::flaky  "), shown::toString);
        assertTrue(err.contains("  ok progress_demo::last  "), shown::toString);
        assertTrue(err.contains("progress: 2 done, 0 failed in "), shown::toString);
        assertTrue(err.indexOf("ok progress_demo::flaky") < err.indexOf("ok progress_demo::last"), shown::toString);
    }

    /**
     * isatty() answers as under python3, with and without the background runtime: true on a terminal (a
     * pseudo-terminal made by util-linux's script), false when input and output are files.
     */
    @Test
    void isatty_is_true_on_a_terminal_and_false_for_files() throws Exception {
        Path script = write("tty.py", """
                import os, sys
                print("tty", sys.stdin.isatty(), sys.stdout.isatty(), sys.stderr.isatty(), os.isatty(1))
                """);
        for (String daemon : List.of("1", "0")) {
            CloacaProcess.Result files = run(Map.of("CLOACA_DAEMON", daemon), script);
            assertEquals(0, files.exitCode(), files::toString);
            assertEquals("tty False False False False\n", files.stdout(), files::toString);

            String command = "exec " + CloacaProcess.ROOT.resolve("cloaca") + " run " + script;
            Path shown = dir.resolve("terminal-" + daemon + ".txt");
            ProcessBuilder pb = new ProcessBuilder("script", "-qec", command, "/dev/null").directory(dir.toFile())
                    .redirectInput(Files.writeString(dir.resolve("no-input.txt"), "").toFile())
                    .redirectErrorStream(true).redirectOutput(shown.toFile());
            pb.environment().putAll(CloacaProcess.withDaemonDefaults(Map.of("CLOACA_DAEMON", daemon)));
            Process p = pb.start();
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the script did not end");
            String output = Files.readString(shown, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), output);
            assertTrue(output.contains("tty True True True True"), "CLOACA_DAEMON=" + daemon + ": " + output);
        }
    }
}
