package io.cloaca.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Another process reads the history of a run: `cloaca executions` after sample 04 ran on a SQLite file. */
class ExecutionsCommandIT {

    @TempDir
    Path dir;

    @Test
    void another_process_lists_the_execution_and_says_which_task_failed_and_why() throws Exception {
        String url = "sqlite://" + dir.resolve("history.db");
        CloacaProcess.Result run = CloacaProcess.run(Map.of("DATABASE_URL", url), "run", "samples/python/04_error_handling.py");
        assertEquals(0, run.exitCode(), run::toString);

        CloacaProcess.Result list = CloacaProcess.run(Map.of(), "executions", "--database", url);
        assertEquals(0, list.exitCode(), list::toString);
        String row = list.stdout().lines().filter(l -> l.contains("payment_processing")).findFirst().orElseThrow();
        assertTrue(row.contains("Failed") && row.contains("1 task(s) failed, 2 completed, 0 skipped"), list::toString);

        String executionId = row.split("\\s+")[0];
        CloacaProcess.Result tasks = CloacaProcess.run(Map.of("DATABASE_URL", url), "executions", executionId);
        assertEquals(0, tasks.exitCode(), tasks::toString);
        assertTrue(tasks.stdout().lines().anyMatch(l -> l.startsWith("validate_payment") && l.contains("Failed")
                && l.contains("2/2") && l.contains("ValueError: amount must be positive")), tasks::toString);
        assertTrue(tasks.stdout().lines().anyMatch(l -> l.startsWith("fetch_rates") && l.contains("Completed")
                && l.contains("3/3") && l.contains("attempt 2 failed: Python task execution failed: ConnectionError")),
                tasks::toString);

        // Options may follow the execution id too.
        CloacaProcess.Result after = CloacaProcess.run(Map.of(), "executions", executionId, "--database", url);
        assertEquals(0, after.exitCode(), after::toString);
        assertEquals(tasks.stdout(), after.stdout(), after::toString);
        assertEquals(List.of(dir.resolve("history.db")), siblings(dir.resolve("history.db")),
                "the run or the readers left files beside the database");
    }

    /**
     * While an execution runs: a task that completed after a retry, one running, one not started yet.
     * The script holds its second task until the test creates the release file.
     */
    @Test
    void tasks_show_the_attempts_they_used_and_label_an_earlier_attempts_error() throws Exception {
        String url = "sqlite://" + dir.resolve("running.db");
        Path holding = dir.resolve("holding");
        Path release = dir.resolve("release");
        Path script = dir.resolve("held.py");
        Files.writeString(script, """
                import os, time
                import cloaca

                tries = []

                with cloaca.WorkflowBuilder("held") as builder:
                    @cloaca.task(id="flaky", retry_attempts=3, retry_delay_ms=10, retry_backoff="fixed",
                                 retry_jitter=False)
                    def flaky(context):
                        tries.append(1)
                        if len(tries) == 1:
                            raise ConnectionError("rates service reset the connection")
                        return context

                    @cloaca.task(id="hold", dependencies=["flaky"], retry_attempts=3)
                    def hold(context):
                        open(os.environ["HOLDING"], "w").close()
                        while not os.path.exists(os.environ["RELEASE"]):
                            time.sleep(0.05)
                        return context

                    @cloaca.task(id="after", dependencies=["hold"], retry_attempts=3)
                    def after(context):
                        return context

                with cloaca.DefaultRunner(os.environ["DATABASE_URL"]) as runner:
                    print(runner.execute("held", cloaca.Context()).status)
                """);
        Process run = CloacaProcess.start(Map.of("DATABASE_URL", url, "HOLDING", holding.toString(),
                "RELEASE", release.toString()), "run", script.toString());
        try {
            awaitFile(holding, run);
            CloacaProcess.Result list = CloacaProcess.run(Map.of("DATABASE_URL", url), "executions");
            String executionId = list.stdout().lines().filter(l -> l.contains(" held ")).findFirst()
                    .orElseThrow(() -> new AssertionError(list)).split("\\s+")[0];
            CloacaProcess.Result tasks = CloacaProcess.run(Map.of("DATABASE_URL", url), "executions", executionId);
            assertEquals(0, tasks.exitCode(), tasks::toString);
            assertEquals(List.of("after NotStarted 0/3",
                            "flaky Completed 2/3 attempt 1 failed: Python task execution failed: "
                                    + "ConnectionError: rates service reset the connection",
                            "hold Running 1/3"),
                    tasks.stdout().lines().skip(2).map(l -> l.strip().replaceAll("\\s+", " ")).sorted().toList(),
                    tasks::toString);
        } finally {
            Files.createFile(release);
            assertTrue(run.waitFor(2, TimeUnit.MINUTES), "the held run did not finish once released");
            run.destroyForcibly();
        }
        assertEquals(0, run.exitValue());
    }

    private static void awaitFile(Path file, Process process) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.exists(file)) {
            if (!process.isAlive()) {
                throw new AssertionError("the run ended before its task was held (exit " + process.exitValue() + ")");
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the run did not reach its held task in 3 minutes");
            }
            Thread.sleep(50);
        }
    }

    @Test
    void a_missing_database_file_is_reported_not_created() throws Exception {
        Path missing = dir.resolve("nothing-here.db");
        CloacaProcess.Result r = CloacaProcess.run(Map.of(), "executions", "--database", "sqlite://" + missing);
        assertEquals(1, r.exitCode(), "a missing file is something asked for that does not exist\n" + r);
        assertEquals("cloaca executions: no SQLite database at " + missing
                + " (a runner creates it when it first opens that URL)", r.stderr().strip(), r::toString);
        assertFalse(Files.exists(missing));
        assertEquals(List.of(), siblings(missing), "nor anything beside it");
    }

    /** An empty file is an empty SQLite database to SQLite, which setting WAL mode would turn into a real one. */
    @Test
    void an_empty_file_has_no_cloaca_tables_and_stays_empty_and_a_foreign_one_is_not_a_database() throws Exception {
        emptyFileHasNoTablesAndStaysEmpty(dir, List.of("executions"));

        byte[] text = "id,amount\n1,5\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Path csv = Files.write(dir.resolve("orders.csv"), text);
        CloacaProcess.Result foreign = CloacaProcess.run(Map.of(), "executions", "--database", "sqlite://" + csv);
        assertEquals(1, foreign.exitCode(), foreign::toString);
        assertEquals("cloaca executions: " + csv + " is not a SQLite database", foreign.stderr().strip(), foreign::toString);
        assertArrayEquals(text, Files.readAllBytes(csv));
    }

    @Test
    void a_limit_below_1_is_refused_in_one_line() throws Exception {
        limitBelowOneIsRefused(dir, "cloaca executions", "executions");
    }

    /**
     * On PostgreSQL the three read commands tell a schema without cloaca tables from one whose tables the
     * login may not read (another tenant's), with one message each and exit 1; a bad schema name is exit 2.
     */
    @Test
    void another_tenants_schema_is_permission_denied_and_a_schema_without_tables_says_so() throws Exception {
        try (TestPostgres pg = TestPostgres.createDatabase()) {
            var tenants = pg.createTenants("it_reads_", 2);
            String url = tenants.get(0).connectionString();
            String theirs = tenants.get(1).schemaName();
            for (String command : List.of("executions", "schedules", "triggers")) {
                String prefix = "cloaca " + command + (command.equals("executions") ? "" : " list") + ": ";
                CloacaProcess.Result denied = CloacaProcess.run(Map.of(), command, "-d", url, "--schema", theirs);
                assertEquals(1, denied.exitCode(), denied::toString);
                assertEquals(prefix + "permission denied: this login may not read the cloaca tables in schema "
                        + theirs + " of this database", denied.stderr().strip(), denied::toString);

                CloacaProcess.Result absent = CloacaProcess.run(Map.of(), command, "-d", url, "--schema", "nothere");
                assertEquals(1, absent.exitCode(), absent::toString);
                assertEquals(prefix + "no cloaca tables in schema nothere of this database", absent.stderr().strip(),
                        absent::toString);

                CloacaProcess.Result own = CloacaProcess.run(Map.of(), command, "-d", url);
                assertEquals(0, own.exitCode(), own::toString);

                CloacaProcess.Result bad = CloacaProcess.run(Map.of(), command, "-d", url, "--schema", "Bad-Name");
                assertEquals(2, bad.exitCode(), bad::toString);
                assertTrue(bad.stderr().startsWith(prefix + "Schema name must contain only alphanumeric characters"),
                        bad::toString);
            }
        }
    }

    /**
     * Runs each read command of {@code commands} (its words before the options, e.g. {@code schedules
     * history ID}) on an empty file in {@code dir}: exit 1, "no cloaca tables", and the file left empty
     * with nothing created beside it.
     */
    static void emptyFileHasNoTablesAndStaysEmpty(Path dir, List<String> commands) throws Exception {
        Path empty = Files.createFile(dir.resolve("empty.db"));
        for (String command : commands) {
            List<String> args = new java.util.ArrayList<>(List.of(command.split(" ")));
            args.addAll(List.of("--database", "sqlite://" + empty));
            CloacaProcess.Result r = CloacaProcess.run(Map.of(), args.toArray(String[]::new));
            assertEquals(1, r.exitCode(), r::toString);
            String message = r.stderr().strip();
            assertTrue(message.startsWith("cloaca " + args.get(0)) && message.endsWith(": no cloaca tables in this database")
                    && message.lines().count() == 1, r::toString);
        }
        assertEquals(0, Files.size(empty), "a read-only command wrote to the file");
        assertEquals(List.of(empty), siblings(empty));
    }

    /** {@code command} with {@code --limit} 0 and -3: exit 2, one line naming the option, before any database is read. */
    static void limitBelowOneIsRefused(Path dir, String name, String... command) throws Exception {
        for (String limit : List.of("0", "-3")) {
            List<String> args = new java.util.ArrayList<>(List.of(command));
            args.addAll(List.of("--database", "sqlite://" + dir.resolve("absent.db"), "--limit", limit));
            CloacaProcess.Result r = CloacaProcess.run(Map.of(), args.toArray(String[]::new));
            assertEquals(2, r.exitCode(), r::toString);
            assertEquals(name + ": --limit N must be at least 1, got " + limit, r.stderr().strip(), r::toString);
            assertEquals("", r.stdout(), r::toString);
        }
    }

    /** The files whose name starts with {@code file}'s: the file and SQLite's -wal, -shm and -journal. */
    static List<Path> siblings(Path file) throws java.io.IOException {
        try (var files = Files.list(file.getParent())) {
            return files.filter(p -> p.getFileName().toString().startsWith(file.getFileName().toString())).toList();
        }
    }
}
