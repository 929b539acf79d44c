package io.cloaca.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The README's bad-input list, through the real launcher: for each case the exception type, a stable part
 * of its message and the exit code.
 *
 * <p>A launcher process costs seconds, so the cases that fail inside a script share one: a driver script
 * runs each case's own script file with {@code cloaca._run_main}, the function {@code cloaca run} calls,
 * and reports the status it returns and what it printed. {@link #a_case_run_alone_fails_exactly_as_in_the_shared_process}
 * checks that one case run alone gives the same. A missing script fails before any Python runs, so it
 * has a process of its own.
 */
class BadInputIT {

    /** One mistake: a script that makes it, and the last line of the traceback that it must print. */
    record Case(String name, String script, String type, String message, int exitCode) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final String WRONG_PASSWORD = "not-the-password-7";

    static List<Case> cases() {
        String longName = "s".repeat(64);
        return List.of(
                new Case("syntax error", "print('never closed'\n", "SyntaxError", "'(' was never closed", 1),
                new Case("wrong type: a dict for a Context", """
                        import cloaca
                        with cloaca.DefaultRunner(":memory:") as runner:
                            runner.execute("anything", {"order": 1})
                        """, "TypeError", "context must be a cloaca.Context, got 'dict'", 1),
                new Case("wrong type: a datetime in a Context", """
                        import datetime, cloaca
                        cloaca.Context({"when": datetime.datetime.now()})
                        """, "TypeError", "unsupported type", 1),
                new Case("unknown workflow", """
                        import cloaca
                        with cloaca.DefaultRunner(":memory:") as runner:
                            runner.execute("no_such_workflow", cloaca.Context())
                        """, "ValueError", "Workflow not found in registry: no_such_workflow", 1),
                new Case("unwritable database path", """
                        import cloaca
                        cloaca.DefaultRunner("sqlite:///proc/cloaca-bad-input.db")
                        """, "RuntimeError",
                        "Failed to create DefaultRunner: Cannot open SQLite database '/proc/cloaca-bad-input.db'", 1),
                new Case("database folder missing", """
                        import cloaca
                        cloaca.DefaultRunner("sqlite:///no-such-dir-for-cloaca/x.db")
                        """, "RuntimeError", "directory '/no-such-dir-for-cloaca' does not exist", 1),
                new Case("zero concurrency", """
                        import cloaca
                        cloaca.DefaultRunnerConfig(max_concurrent_tasks=0)
                        """, "ValueError", "max_concurrent_tasks must be at least 1, got 0", 1),
                new Case("missing dependency", """
                        import cloaca
                        @cloaca.task(id="bad_input_load", dependencies=["bad_input_ghost"])
                        def load(context):
                            return context
                        builder = cloaca.WorkflowBuilder("bad_input_missing")
                        builder.add_task("bad_input_load")
                        builder.build()
                        """, "ValueError", "Missing dependency: task 'public::embedded::bad_input_missing::bad_input_load'"
                        + " depends on 'public::embedded::bad_input_missing::bad_input_ghost'", 1),
                new Case("cycle", """
                        import cloaca
                        @cloaca.task(id="bad_input_a", dependencies=["bad_input_b"])
                        def a(context):
                            return context
                        @cloaca.task(id="bad_input_b", dependencies=["bad_input_a"])
                        def b(context):
                            return context
                        builder = cloaca.WorkflowBuilder("bad_input_cycle")
                        builder.add_task("bad_input_a")
                        builder.add_task("bad_input_b")
                        builder.build()
                        """, "ValueError", "Circular dependency detected", 1),
                new Case("malformed database URL", """
                        import cloaca
                        cloaca.DefaultRunner("postgresql://app:not-the-password-7@db_primary:99999/app")
                        """, "ValueError", "Failed to create DefaultRunner: Invalid database URL "
                        + "'postgresql://app:***@db_primary:99999/app': invalid port '99999'", 1),
                new Case("wrong port", """
                        import cloaca
                        cloaca.DefaultRunner("postgresql://postgres@127.0.0.1:1/postgres")
                        """, "RuntimeError", "Failed to create DefaultRunner: Cannot connect to database "
                        + "postgresql://postgres@127.0.0.1:1/postgres: Connection to 127.0.0.1:1 refused", 1),
                new Case("wrong password", """
                        import os, cloaca
                        cloaca.DefaultRunner(os.environ["BAD_INPUT_WRONG_PASSWORD_URL"])
                        """, "RuntimeError", "password authentication failed for user", 1),
                new Case("hostile schema name: SQL", """
                        import os, cloaca
                        cloaca.DefaultRunner.with_schema(os.environ["BAD_INPUT_PG_URL"], "acme; DROP TABLE x")
                        """, "ValueError", "Schema name must contain only alphanumeric characters and underscores", 1),
                new Case("hostile schema name: reserved", """
                        import os, cloaca
                        cloaca.DefaultRunner.with_schema(os.environ["BAD_INPUT_PG_URL"], "pg_catalog")
                        """, "ValueError", "Schema name 'pg_catalog' is reserved by PostgreSQL", 1),
                new Case("hostile schema name: empty", """
                        import os, cloaca
                        cloaca.DefaultRunner.with_schema(os.environ["BAD_INPUT_PG_URL"], "")
                        """, "ValueError", "Schema name cannot be empty", 1),
                new Case("hostile schema name: too long", """
                        import os, cloaca
                        cloaca.DefaultRunner.with_schema(os.environ["BAD_INPUT_PG_URL"], "%s")
                        """.formatted(longName), "ValueError", "Schema name must be at most 63 bytes, got 64", 1));
    }

    /** Runs each script given and prints one JSON line per script: its name, status and stderr. */
    private static final String DRIVER = """
            import io, json, os, sys
            import cloaca
            for path in sys.argv[1:]:
                captured = io.StringIO()
                sys.stderr = captured
                try:
                    status = cloaca._run_main(path)
                finally:
                    sys.stderr = sys.__stderr__
                print("BAD-INPUT " + json.dumps({"script": os.path.basename(path), "status": status,
                                                 "stderr": captured.getvalue()}), flush=True)
            """;

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path dir;
    private static TestPostgres db;
    private static String role;
    private static AutoCloseable passwordChecked;
    private static Map<String, String> env;
    private static final Map<String, JsonNode> OUTCOMES = new HashMap<>();

    @BeforeAll
    static void runEveryCaseInOneProcess() throws Exception {
        dir = Files.createTempDirectory("cloaca-bad-input");
        db = TestPostgres.createDatabase();
        role = "cloaca_bad_input_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        try (Connection c = db.connect(db.name()); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + role + " LOGIN PASSWORD 'the-right-password'");
        }
        passwordChecked = db.requirePasswordFor(role);
        env = Map.of("BAD_INPUT_PG_URL", db.url(), "BAD_INPUT_WRONG_PASSWORD_URL", db.urlAs(role, WRONG_PASSWORD));

        List<String> args = new ArrayList<>(List.of("run", Files.writeString(dir.resolve("driver.py"), DRIVER).toString()));
        for (Case c : cases()) {
            args.add(write(c).toString());
        }
        CloacaProcess.Result result = CloacaProcess.run(env, args.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result::toString);
        for (String line : result.stdout().split("\n")) {
            if (line.startsWith("BAD-INPUT ")) {
                JsonNode outcome = JSON.readTree(line.substring("BAD-INPUT ".length()));
                OUTCOMES.put(outcome.get("script").asText(), outcome);
            }
        }
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (passwordChecked != null) {
            passwordChecked.close();
        }
        if (db != null) {
            db.dropRoles(List.of(role));
            db.close();
        }
    }

    private static Path write(Case c) throws Exception {
        return Files.writeString(dir.resolve(fileName(c)), c.script());
    }

    private static String fileName(Case c) {
        return c.name().toLowerCase(Locale.ROOT).replaceAll("[^a-z]+", "_") + ".py";
    }

    /** The traceback's last line: the exception as Python prints it. */
    private static String lastLine(String stderr) {
        String[] lines = stderr.strip().split("\n");
        return lines[lines.length - 1];
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void each_mistake_gets_its_error_and_exit_code(Case c) {
        if (c.name().equals("wrong password")) {
            assumeTrue(passwordChecked != null, "pg_hba.conf is not writable here, so no password is ever checked");
        }
        JsonNode outcome = OUTCOMES.get(fileName(c));
        assertNotNull(outcome, "the driver reported nothing for " + c.name());
        String stderr = outcome.get("stderr").asText();
        String exception = lastLine(stderr);
        assertTrue(exception.startsWith(c.type() + ": "), "expected a " + c.type() + ", got:\n" + stderr);
        assertTrue(exception.contains(c.message()), "expected '" + c.message() + "' in:\n" + stderr);
        assertEquals(c.exitCode(), outcome.get("status").asInt(), stderr);
        assertTrue(stderr.contains(fileName(c)), "the traceback names the script:\n" + stderr);
        // (the traceback quotes the script's line, which may hold it; the message itself never does)
        assertFalse(exception.contains(WRONG_PASSWORD), "a password is never shown:\n" + stderr);
    }

    @Test
    void a_case_run_alone_fails_exactly_as_in_the_shared_process() throws Exception {
        Case wrongPort = cases().stream().filter(c -> c.name().equals("wrong port")).findFirst().orElseThrow();
        CloacaProcess.Result alone = CloacaProcess.run(env, "run", write(wrongPort).toString());
        JsonNode shared = OUTCOMES.get(fileName(wrongPort));
        assertEquals(shared.get("status").asInt(), alone.exitCode(), alone::toString);
        assertEquals(lastLine(shared.get("stderr").asText()), lastLine(alone.stderr()), alone::toString);
    }

    @Test
    void a_script_that_does_not_exist_exits_2_naming_it() throws Exception {
        CloacaProcess.Result r = CloacaProcess.run(Map.of(), "run", "no_such_script_for_cloaca.py");
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.stderr().contains("cloaca run: can't open file 'no_such_script_for_cloaca.py': no such file"),
                r::toString);
        assertEquals("", r.stdout(), r::toString);
    }

    /** A pipe or a descriptor (bash's {@code <(...)}, which a daemon session could not open) is not run. */
    @Test
    void a_script_path_that_is_not_a_regular_file_exits_2_pointing_at_stdin() throws Exception {
        for (String path : List.of("/dev/null", "/dev/fd/63")) {
            CloacaProcess.Result r = CloacaProcess.run(Map.of(), "run", path);
            assertEquals(2, r.exitCode(), r::toString);
            assertTrue(r.stderr().contains("cloaca run: '" + path + "' is not a regular file; to run a script from a"
                    + " pipe, give it on stdin: cloaca run - ARGS < script.py"), r::toString);
            assertEquals("", r.stdout(), r::toString);
        }
    }
}
