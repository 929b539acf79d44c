package io.cloaca.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cloaca repl} fed from a pipe (run as {@code python < file}: statements, blocks, a workflow, errors
 * and exit codes) and on a terminal.
 */
class ReplIT {

    @Test
    void the_repl_runs_statements_blocks_and_workflows() throws Exception {
        String session = String.join("\n",
                "print(cloaca.hello_world())",
                "@cloaca.task(id='double')",
                "def double(ctx):",
                "    ctx.set('n', ctx.get('n') * 2)",
                "    return ctx",
                "",
                "b = cloaca.WorkflowBuilder('twice')",
                "b.add_task('double')",
                "cloaca.register_workflow_constructor('twice', b.build)",
                "with cloaca.DefaultRunner(':memory:') as r:",
                "    print('n =', r.execute('twice', cloaca.Context({'n': 21})).final_context.get('n'))",
                "",
                "");
        CloacaProcess.Result r = CloacaProcess.runWithInput(Map.of(), session, "repl");
        assertEquals(0, r.exitCode(), r::toString);
        // Input from a pipe is not a terminal: no banner, no prompts, as python < file.
        assertEquals("Hello from Cloaca backend!\nn = 42\n", r.stdout(), r::toString);
        assertEquals("", r.stderr(), r::toString);
    }

    /** As python3 reading a file on stdin: the first uncaught exception ends the input, status 1. */
    @Test
    void piped_input_stops_at_the_first_uncaught_exception() throws Exception {
        CloacaProcess.Result r = CloacaProcess.runWithInput(Map.of(),
                "print('before')\ndef fail():\n    raise ValueError('boom')\nfail()\nprint('after')\n", "repl");
        assertEquals(1, r.exitCode(), r::toString);
        assertEquals("before\n", r.stdout(), r::toString);
        assertEquals("""
                Traceback (most recent call last):
                  File "<stdin>", line 4, in <module>
                  File "<stdin>", line 3, in fail
                ValueError: boom
                """, r.stderr(), r::toString);

        CloacaProcess.Result exit = CloacaProcess.runWithInput(Map.of(),
                "import sys\nprint('leaving')\nsys.exit(5)\nprint('after')\n", "repl");
        assertEquals(5, exit.exitCode(), exit::toString);
        assertEquals("leaving\n", exit.stdout(), exit::toString);
    }

    /** python3 compiles all of a piped input before running it: a syntax error anywhere runs nothing. */
    @Test
    void a_syntax_error_in_piped_input_runs_nothing_and_exits_1() throws Exception {
        CloacaProcess.Result r = CloacaProcess.runWithInput(Map.of(), "print('before')\nx = (\nprint('after')\n",
                "repl");
        assertEquals(1, r.exitCode(), r::toString);
        assertEquals("", r.stdout(), r::toString);
        assertTrue(r.stderr().startsWith("  File \"<stdin>\", line 2\n"), r::toString);
        assertTrue(r.stderr().contains("SyntaxError: '(' was never closed"), r::toString);
        assertFalse(r.stderr().contains("at io.cloaca"), "no Java stack trace: " + r);
    }

    /**
     * On a terminal (a pseudo-terminal made by util-linux's script) the banner shows, an error is printed
     * and the prompt goes on, and typed lines are kept in $HOME/.cloaca_history.
     */
    @Test
    void on_a_terminal_it_shows_the_banner_survives_errors_and_keeps_history_under_home(@TempDir Path home)
            throws Exception {
        String output = onTerminal(home, Map.of(), "", "x = 20\n1/0\nprint(x + 22)\nexit(4)\n", 4);
        assertTrue(output.contains("cloaca is imported") && output.contains("42"), output);
        assertTrue(output.contains("ZeroDivisionError: division by zero"), output);
        Path history = home.resolve(ReplCommand.HISTORY_FILE);
        assertTrue(Files.exists(history), "no history in $HOME: " + output);
        assertTrue(Files.readString(history, StandardCharsets.UTF_8).contains("print(x + 22)"), output);
    }

    @Test
    void exit_with_a_code_leaves_with_that_code() throws Exception {
        CloacaProcess.Result r = CloacaProcess.runWithInput(Map.of(), "exit(3)\n", "repl");
        assertEquals(3, r.exitCode(), r::toString);
    }

    /**
     * On a terminal, Tab completes attributes from the console's namespace, and --database starts the
     * session with `runner` ready.
     */
    @Test
    void on_a_terminal_tab_completes_and_database_gives_a_ready_runner(@TempDir Path home) throws Exception {
        String url = "sqlite://" + home.resolve("repl.db");
        String typed = "v = cloaca.__versi\t\nprint('version is', v)\nprint('runner is', type(runner).__name__)\nexit(0)\n";
        String output = onTerminal(home, Map.of(), " --database " + url, typed, 0);
        assertTrue(output.contains("runner = cloaca.DefaultRunner('" + url + "') is ready"), output);
        assertTrue(output.contains("version is " + io.cloaca.engine.CloacaVersion.get()), output);
        assertTrue(output.contains("runner is DefaultRunner"), output);
    }

    @Test
    void a_database_that_cannot_be_opened_is_one_line_and_status_1() throws Exception {
        CloacaProcess.Result r = CloacaProcess.runWithInput(Map.of(), "print('never')\n", "repl", "--database",
                "mysql://localhost/db");
        assertEquals(1, r.exitCode(), r::toString);
        assertEquals("", r.stdout(), r::toString);
        assertTrue(r.stderr().startsWith("cloaca repl: cannot open a runner on --database: "), r::toString);
        assertEquals(1, r.stderr().strip().lines().count(), r::toString);
    }

    @Test
    void schema_without_database_is_a_usage_error() throws Exception {
        CloacaProcess.Result r = CloacaProcess.runWithInput(Map.of(), "", "repl", "--schema", "acme");
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.stderr().contains("--schema needs --database"), r::toString);
    }

    @Test
    void piped_input_gets_the_runner_without_a_banner(@TempDir Path dir) throws Exception {
        CloacaProcess.Result r = CloacaProcess.runWithInput(Map.of(), "print(type(runner).__name__)\n", "repl",
                "--database", "sqlite://" + dir.resolve("piped.db"));
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("DefaultRunner\n", r.stdout(), r::toString);
    }

    /** As executions, ui and tenants: -d is --database, and without either DATABASE_URL names the database. */
    @Test
    void short_d_and_database_url_bind_the_runner_as_database_does(@TempDir Path dir) throws Exception {
        String check = "print(type(runner).__name__)\n";
        Path fromEnvironment = dir.resolve("environment.db");
        CloacaProcess.Result r = CloacaProcess.runWithInput(Map.of("DATABASE_URL", "sqlite://" + fromEnvironment), check,
                "repl");
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("DefaultRunner\n", r.stdout(), r::toString);
        assertTrue(Files.exists(fromEnvironment), "no database at $DATABASE_URL: " + r);

        Map<String, String> unusable = Map.of("DATABASE_URL", "mysql://localhost/db");
        Path given = dir.resolve("given.db");
        CloacaProcess.Result d = CloacaProcess.runWithInput(unusable, check, "repl", "-d", "sqlite://" + given);
        assertEquals(0, d.exitCode(), "-d comes before DATABASE_URL: " + d);
        assertTrue(Files.exists(given), "no database at -d: " + d);

        CloacaProcess.Result bad = CloacaProcess.runWithInput(unusable, "print('never')\n", "repl");
        assertEquals(1, bad.exitCode(), bad::toString);
        assertEquals("", bad.stdout(), bad::toString);
        assertTrue(bad.stderr().startsWith("cloaca repl: cannot open a runner on $DATABASE_URL: "), bad::toString);
    }

    /** As the operator commands read it, --schema names the tenant even where $DATABASE_URL pins another. */
    @Test
    void schema_wins_over_the_schema_database_url_pins() throws Exception {
        try (TestPostgres pg = TestPostgres.createDatabase()) {
            Map<String, String> pinned = Map.of("DATABASE_URL", pg.url() + "?schema=pinned_elsewhere");
            CloacaProcess.Result r = CloacaProcess.runWithInput(pinned, "print(runner)\n", "repl", "--schema", "acme");
            assertEquals(0, r.exitCode(), r::toString);
            assertTrue(r.stdout().contains("acme") && !r.stdout().contains("pinned_elsewhere"), r::toString);
            try (var c = pg.connect(pg.name()); var rs = c.createStatement().executeQuery(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'acme'")) {
                assertTrue(rs.next() && rs.getInt(1) > 0, "no cloaca tables in schema acme: " + r);
            }
        }
    }

    /** On a terminal the banner says where the runner comes from. */
    @Test
    void on_a_terminal_the_banner_names_database_url(@TempDir Path home) throws Exception {
        String url = "sqlite://" + home.resolve("banner.db");
        String output = onTerminal(home, Map.of("DATABASE_URL", url), "", "print('runner is', type(runner).__name__)\n"
                + "exit(0)\n", 0);
        assertTrue(output.contains("runner = cloaca.DefaultRunner('" + url + "') is ready (from $DATABASE_URL)"), output);
        assertTrue(output.contains("runner is DefaultRunner"), output);
    }

    /**
     * On a terminal, as python3's prompt: a compound statement goes on with continuation lines until an
     * empty one (its body however long, a nested block, a one-line `if x: ...`, a decorator), while an
     * open bracket, triple-quoted string or backslash continuation asks for the rest of the statement.
     */
    @Test
    void on_a_terminal_blocks_go_on_until_an_empty_line(@TempDir Path home) throws Exception {
        String typed = String.join("\n",
                "def g():",
                "    a = 1",
                "    return a + 1",
                "",
                "print('g gives', g())",
                "for i in range(3):",
                "    if i:",
                "        print('i is', i * 10)",
                "",
                "if True: print('one-line ' + 'if')",
                "",
                "x = (1,",
                "2)",
                "s = '''a",
                "b'''",
                "y = 1 + \\",
                "2",
                "print('joined', x, repr(s), y)",
                "@staticmethod",
                "def h(): pass",
                "",
                "print('decorated', type(h).__name__)",
                "exit(0)",
                "");
        String output = onTerminal(home, Map.of(), "", typed, 0);
        assertTrue(output.contains("g gives 2"), output);
        assertTrue(output.contains("i is 10\r\ni is 20"), output);
        assertTrue(output.contains("one-line if"), output);
        assertTrue(output.contains("joined (1, 2) 'a\\nb' 3"), output);
        assertTrue(output.contains("decorated staticmethod"), output);
        assertFalse(output.contains("Error"), output);
    }

    /**
     * On a terminal, Ctrl-C while a statement runs (a busy loop, a sleep) raises KeyboardInterrupt in it
     * and the prompt comes back with the names defined so far, as in python3.
     */
    @Test
    void on_a_terminal_ctrl_c_interrupts_the_running_statement_and_the_prompt_comes_back(@TempDir Path home)
            throws Exception {
        Process p = terminal(home, Map.of(), "").start();
        Path out = home.resolve("out.txt");
        try (Writer keys = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
            awaitOutput(out, "Ctrl-D leaves", 1);
            type(keys, "n = 0\nwhile True: n += 1; n == 1000 and print('spin' + 'ning')\n\n");
            awaitOutput(out, "spinning", 1);
            type(keys, "\u0003");
            awaitOutput(out, "KeyboardInterrupt", 1);
            type(keys, "import time; print('sleep' + 'ing'); time.sleep(600)\n");
            awaitOutput(out, "sleeping", 1);
            type(keys, "\u0003");
            awaitOutput(out, "KeyboardInterrupt", 2);
            type(keys, "print('n is', 'kept' if n >= 1000 else n)\nexit(0)\n");
            assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the repl did not leave: " + Files.readString(out));
        } finally {
            p.destroyForcibly();
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("n is kept"), output);
    }

    private static void type(Writer keys, String text) throws IOException {
        keys.write(text);
        keys.flush();
    }

    /** Waits until the terminal has shown {@code text} {@code times} times. */
    private static void awaitOutput(Path out, String text, int times) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        String shown = "";
        while (System.nanoTime() < deadline) {
            shown = Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
            if (shown.split(Pattern.quote(text), -1).length > times) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the terminal did not show " + text + " " + times + " time(s): " + shown);
    }

    /**
     * Runs {@code cloaca repl} on a pseudo-terminal (util-linux's script) in {@code home} with {@code env}, typing
     * {@code typed}, and returns what the terminal showed once the repl left with {@code exitCode}.
     */
    private static String onTerminal(Path home, Map<String, String> env, String options, String typed, int exitCode)
            throws Exception {
        Process p = terminal(home, env, options)
                .redirectInput(Files.writeString(home.resolve("in.txt"), typed).toFile()).start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the repl did not leave");
        String output = Files.readString(home.resolve("out.txt"), StandardCharsets.UTF_8);
        assertEquals(exitCode, p.exitValue(), output);
        return output;
    }

    /** {@code cloaca repl} on a pseudo-terminal (util-linux's script) in {@code home}; it shows into out.txt there. */
    private static ProcessBuilder terminal(Path home, Map<String, String> env, String options) {
        String repl = "exec " + CloacaProcess.ROOT.resolve("cloaca") + " repl" + options;
        ProcessBuilder pb = new ProcessBuilder("script", "-qec", repl, "/dev/null").directory(home.toFile())
                .redirectErrorStream(true).redirectOutput(home.resolve("out.txt").toFile());
        pb.environment().putAll(env);
        pb.environment().put("HOME", home.toString());
        return pb;
    }
}
