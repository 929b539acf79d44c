package io.cloaca.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
                && l.contains("3/3")), tasks::toString);
    }

    @Test
    void a_missing_database_file_is_reported_not_created() throws Exception {
        Path missing = dir.resolve("nothing-here.db");
        CloacaProcess.Result r = CloacaProcess.run(Map.of(), "executions", "--database", "sqlite://" + missing);
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.stderr().contains("no SQLite database at"), r::toString);
        assertTrue(!missing.toFile().exists());
    }
}
