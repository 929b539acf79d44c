package io.cloaca.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Another process reads a script's event triggers: {@code cloaca triggers} and {@code cloaca executions}
 * on a SQLite file, after the script's trigger fired twice and one poll raised.
 */
class TriggersCommandIT {

    private static final String SCRIPT = """
            import cloaca, os, time
            with cloaca.WorkflowBuilder("ingest") as b:
                @cloaca.task(id="t")
                def t(ctx):
                    return ctx
            polls = []

            @cloaca.trigger(name="watcher", on="ingest", poll_interval="50ms")
            def watcher():
                polls.append(1)
                if len(polls) <= 2:
                    return cloaca.TriggerResult.fire(cloaca.Context({"n": len(polls)}))
                if len(polls) == 3:
                    raise ValueError("inbox unreadable")
                return cloaca.TriggerResult.skip()

            with cloaca.DefaultRunner(os.environ["DATABASE_URL"]) as r:
                def settled():
                    rows = r.get_trigger_execution_history("watcher")
                    return len(rows) == 3 and all(row["outcome"] == "error" or row["execution_status"] == "Completed"
                                                  for row in rows)
                while not settled():
                    time.sleep(0.05)
                r.set_trigger_enabled("watcher", False)
                r.execute("ingest", cloaca.Context())
            """;

    @TempDir
    Path dir;

    @Test
    void another_process_lists_shows_and_reads_the_history_of_a_scripts_triggers() throws Exception {
        String url = "sqlite://" + dir.resolve("triggers.db");
        Path script = Files.writeString(dir.resolve("watch.py"), SCRIPT);
        CloacaProcess.Result run = CloacaProcess.run(Map.of("DATABASE_URL", url), "run", script.toString());
        assertEquals(0, run.exitCode(), run::toString);

        CloacaProcess.Result list = CloacaProcess.run(Map.of(), "triggers", "list", "--database", url);
        assertEquals(0, list.exitCode(), list::toString);
        assertTrue(list.stdout().lines().anyMatch(l -> l.startsWith("watcher ") && l.contains(" ingest ")
                && l.contains(" 50 ms ") && l.contains(" no ")), list::toString);

        CloacaProcess.Result bare = CloacaProcess.run(Map.of("DATABASE_URL", url), "triggers");
        assertEquals(0, bare.exitCode(), bare::toString);
        assertEquals(list.stdout(), bare.stdout(), "without a subcommand the triggers are listed");

        CloacaProcess.Result show = CloacaProcess.run(Map.of("DATABASE_URL", url), "triggers", "show", "--json", "watcher");
        assertEquals(0, show.exitCode(), show::toString);
        assertTrue(show.stdout().contains("\"trigger_name\":\"watcher\",\"workflow_name\":\"ingest\",\"poll_interval_ms\":50"),
                show::toString);
        assertTrue(show.stdout().contains("\"enabled\":false"), show::toString);

        CloacaProcess.Result history = CloacaProcess.run(Map.of(), "triggers", "history", "--database", url, "watcher");
        assertEquals(0, history.exitCode(), history::toString);
        List<String> fired = history.stdout().lines().filter(l -> l.contains(" fired ")).toList();
        assertEquals(2, fired.size(), history::toString);
        assertTrue(fired.stream().allMatch(l -> l.contains("Completed")), history::toString);
        assertTrue(history.stdout().lines().anyMatch(l -> l.contains(" error ") && l.contains("inbox unreadable")),
                history::toString);

        CloacaProcess.Result executions = CloacaProcess.run(Map.of(), "executions", "--database", url);
        assertEquals(0, executions.exitCode(), executions::toString);
        assertEquals(2, executions.stdout().lines().filter(l -> l.contains(" trigger ")).count(), executions::toString);
        assertEquals(1, executions.stdout().lines().filter(l -> l.contains(" execute ")).count(), executions::toString);
        CloacaProcess.Result json = CloacaProcess.run(Map.of(), "executions", "--database", url, "--json");
        assertEquals(2, json.stdout().split("\"started_by\":\"trigger\",\"schedule_id\":null,\"trigger_name\":\"watcher\"",
                -1).length - 1, json::toString);

        CloacaProcess.Result unknown = CloacaProcess.run(Map.of(), "triggers", "history", "--database", url, "nope");
        assertEquals(1, unknown.exitCode(), unknown::toString);
        assertTrue(unknown.stderr().contains("cloaca triggers history: no trigger nope in this database"), unknown::toString);
    }

    /** The same check as {@code cloaca executions}: one message and exit code for a database without cloaca tables. */
    @Test
    void an_empty_file_has_no_cloaca_tables_and_stays_empty() throws Exception {
        ExecutionsCommandIT.emptyFileHasNoTablesAndStaysEmpty(dir,
                List.of("triggers", "triggers list", "triggers show watcher", "triggers history watcher"));
    }

    @Test
    void a_history_limit_below_1_is_refused_in_one_line() throws Exception {
        ExecutionsCommandIT.limitBelowOneIsRefused(dir, "cloaca triggers history", "triggers", "history", "watcher");
    }
}
