package io.cloaca.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Another process reads a script's schedules: `cloaca schedules` and `cloaca executions` on a SQLite file. */
class SchedulesCommandIT {

    private static final String SCRIPT = """
            import cloaca, os, time
            with cloaca.WorkflowBuilder("nightly") as b:
                @cloaca.task(id="t")
                def t(ctx):
                    return ctx
            with cloaca.DefaultRunner(os.environ["DATABASE_URL"]) as r:
                sid = r.register_cron_workflow("nightly", "* * * * * *", "UTC")
                r.register_cron_workflow("nightly", "30 2 * * *", "Europe/Berlin")
                r.register_cron_workflow("nightly", "45 3 * * *", "EST")
                while len(r.get_cron_execution_history(sid)) < 2:
                    time.sleep(0.05)
                r.set_cron_schedule_enabled(sid, False)
                r.execute("nightly", cloaca.Context())
                print(sid)
            """;

    @TempDir
    Path dir;

    @Test
    void another_process_lists_shows_and_reads_the_history_of_a_scripts_schedules() throws Exception {
        String url = "sqlite://" + dir.resolve("cron.db");
        Path script = Files.writeString(dir.resolve("schedule.py"), SCRIPT);
        CloacaProcess.Result run = CloacaProcess.run(Map.of("DATABASE_URL", url), "run", script.toString());
        assertEquals(0, run.exitCode(), run::toString);
        String id = run.stdout().strip();
        byte[] written = Files.readAllBytes(dir.resolve("cron.db"));

        CloacaProcess.Result list = CloacaProcess.run(Map.of(), "schedules", "list", "--database", url);
        assertEquals(0, list.exitCode(), list::toString);
        assertTrue(list.stdout().lines().anyMatch(l -> l.startsWith(id) && l.contains("* * * * * *") && l.contains(" no ")),
                list::toString);
        assertTrue(list.stdout().lines().anyMatch(l -> l.contains("30 2 * * *") && l.contains("Europe/Berlin")
                && l.contains(" yes ")), list::toString);
        // EST (IANA's fixed -05:00) reads back under the name it was registered with: 03:45 EST is 08:45 UTC.
        assertTrue(list.stdout().lines().anyMatch(l -> l.contains("45 3 * * *") && l.contains(" EST ")
                && l.contains(" yes ") && l.endsWith("T08:45:00+00:00")), list::toString);

        CloacaProcess.Result bare = CloacaProcess.run(Map.of(), "schedules", "--database", url);
        assertEquals(0, bare.exitCode(), bare::toString);
        assertEquals(list.stdout(), bare.stdout(), "without a subcommand the schedules are listed");
        CloacaProcess.Result fromEnvironment = CloacaProcess.run(Map.of("DATABASE_URL", url), "schedules", "--enabled");
        assertEquals(0, fromEnvironment.exitCode(), fromEnvironment::toString);
        assertTrue(fromEnvironment.stdout().lines().noneMatch(l -> l.startsWith(id)), fromEnvironment::toString);
        assertTrue(fromEnvironment.stdout().contains("30 2 * * *"), fromEnvironment::toString);

        CloacaProcess.Result show = CloacaProcess.run(Map.of("DATABASE_URL", url), "schedules", "show", "--json", id);
        assertEquals(0, show.exitCode(), show::toString);
        assertTrue(show.stdout().startsWith("{\"id\":\"" + id + "\",\"workflow_name\":\"nightly\""), show::toString);
        assertTrue(show.stdout().contains("\"enabled\":false"), show::toString);

        CloacaProcess.Result history = CloacaProcess.run(Map.of(), "schedules", "history", "--database", url, id);
        assertEquals(0, history.exitCode(), history::toString);
        List<String> started = history.stdout().lines().filter(l -> l.contains(" started ")).toList();
        assertTrue(started.size() >= 2 && started.stream().allMatch(l -> l.contains("Completed")), history::toString);

        CloacaProcess.Result executions = CloacaProcess.run(Map.of(), "executions", "--database", url);
        assertEquals(0, executions.exitCode(), executions::toString);
        assertEquals(started.size(), executions.stdout().lines().filter(l -> l.contains(" cron ")).count(), executions::toString);
        assertEquals(1, executions.stdout().lines().filter(l -> l.contains(" execute ")).count(), executions::toString);

        CloacaProcess.Result unknown = CloacaProcess.run(Map.of(), "schedules", "show", "--database", url, "nope");
        assertEquals(1, unknown.exitCode(), unknown::toString);
        assertTrue(unknown.stderr().contains("no schedule nope in this database"), unknown::toString);
        assertArrayEquals(written, Files.readAllBytes(dir.resolve("cron.db")), "reading changed the database file");
    }

    /** The same check as {@code cloaca executions}: one message and exit code for a database without cloaca tables. */
    @Test
    void an_empty_file_has_no_cloaca_tables_and_stays_empty() throws Exception {
        ExecutionsCommandIT.emptyFileHasNoTablesAndStaysEmpty(dir,
                List.of("schedules", "schedules list", "schedules show 00000000-0000-0000-0000-000000000000", "schedules history 00000000-0000-0000-0000-000000000000"));
    }

    @Test
    void a_history_limit_below_1_is_refused_in_one_line() throws Exception {
        ExecutionsCommandIT.limitBelowOneIsRefused(dir, "cloaca schedules history", "schedules", "history", "00000000-0000-0000-0000-000000000000");
    }
}
