package io.cloaca.cli;

import io.cloaca.engine.store.Database;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.ExecutionStore;
import io.cloaca.engine.store.TaskStatus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ctrl-C during {@code cloaca run}, sent as a terminal sends it (SIGINT to the job's process group),
 * is a KeyboardInterrupt in the script's main thread, as under CPython.
 */
class CtrlCIT {

    private static final String SLEEPER = """
            import time
            print("ready", flush=True)
            try:
                try:
                    time.sleep(600)
                    print("the sleep ran to its end", flush=True)
                finally:
                    print("finally ran", flush=True)
            except KeyboardInterrupt:
                print("caught KeyboardInterrupt", flush=True)
            print("carried on", flush=True)
            time.sleep(600)
            """;

    /** One task that runs until the file $RELEASE exists; the main thread waits in runner.execute. */
    private static final String WAITING_FOR_A_TASK = """
            import os, time
            import cloaca

            @cloaca.task(id="slow")
            def slow(context):
                print("task started", flush=True)
                while not os.path.exists(os.environ["RELEASE"]):
                    time.sleep(0.05)
                print("task finished", flush=True)
                return context

            def build():
                builder = cloaca.WorkflowBuilder("ctrl_c")
                builder.add_task("slow")
                return builder.build()

            cloaca.register_workflow_constructor("ctrl_c", build)
            config = cloaca.DefaultRunnerConfig(shutdown_timeout_seconds=120, stale_claim_threshold_seconds=300)
            try:
                with cloaca.DefaultRunner.with_config(os.environ["DATABASE_URL"], config) as runner:
                    runner.execute("ctrl_c", cloaca.Context())
                    print("execute returned", flush=True)
            finally:
                print("finally ran", flush=True)
            """;

    private static final String STOPPING = "interrupted: stopping 1 runner, waiting up to 120 s for 1 running task\n";

    @TempDir
    Path dir;

    /**
     * The first {@code run} after a build first writes the launcher's class-data archive (tens of
     * seconds on a busy machine): run once so that the jobs below start as ordinary runs, and their
     * waits for output need not allow for it.
     */
    @BeforeAll
    static void writeTheClassDataArchive(@TempDir Path dir) throws Exception {
        Path script = Files.writeString(dir.resolve("nothing.py"), "pass\n");
        CloacaProcess.Result r = CloacaProcess.run(Map.of(), "run", script.toString());
        assertEquals(0, r.exitCode(), r::toString);
    }

    @Test
    void ctrl_c_in_time_sleep_runs_except_and_finally_and_an_uncaught_one_exits_130() throws Exception {
        Path script = Files.writeString(dir.resolve("sleeper.py"), SLEEPER);
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process job = CloacaProcess.startJob(Map.of(), out, err, "run", script.toString());
        try {
            CloacaProcess.awaitText(out, "ready\n", job);
            CloacaProcess.pressCtrlC(job);
            CloacaProcess.awaitText(out, "carried on\n", job);
            CloacaProcess.pressCtrlC(job);
            assertTrue(job.waitFor(2, TimeUnit.MINUTES), "the second Ctrl-C did not end the script");
        } finally {
            stop(job);
        }
        assertEquals("ready\nfinally ran\ncaught KeyboardInterrupt\ncarried on\n", read(out));
        String stderr = read(err);
        assertEquals(130, job.exitValue(), stderr);
        assertTrue(stderr.startsWith("Traceback (most recent call last):\n"), stderr);
        assertTrue(stderr.contains("line 12, in <module>\n    time.sleep(600)\n"), stderr);
        assertTrue(stderr.endsWith("\nKeyboardInterrupt\n"), stderr);
    }

    @Test
    void ctrl_c_while_the_script_waits_for_a_runner_exits_the_with_block_and_lets_the_running_task_finish()
            throws Exception {
        Path release = dir.resolve("release");
        String databaseUrl = "sqlite://" + dir.resolve("ctrl_c.db");
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process job = start(databaseUrl, release, out, err);
        try {
            CloacaProcess.awaitText(out, "task started\n", job);
            CloacaProcess.pressCtrlC(job);
            CloacaProcess.awaitText(err, STOPPING, job);
            Files.writeString(release, "");
            assertTrue(job.waitFor(2, TimeUnit.MINUTES), "the interrupted run did not stop");
        } finally {
            stop(job);
        }
        String stderr = read(err);
        assertEquals(130, job.exitValue(), stderr);
        assertEquals("task started\ntask finished\nfinally ran\n", read(out), stderr);
        assertTrue(stderr.startsWith(STOPPING + "Traceback (most recent call last):\n"), stderr);
        assertTrue(stderr.contains("    runner.execute(\"ctrl_c\", cloaca.Context())\n"), stderr);
        assertFalse(stderr.contains("File \"cloaca/"), "the traceback ends at the script's line: " + stderr);
        assertTrue(stderr.endsWith("\nKeyboardInterrupt\n"), stderr);
        assertEquals(List.of(TaskStatus.Completed), taskStatuses(databaseUrl),
                "the runner recorded the task that finished while it stopped");
    }

    @Test
    void a_second_ctrl_c_while_runners_stop_exits_at_once() throws Exception {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process job = start("sqlite://" + dir.resolve("impatient.db"), dir.resolve("never"), out, err);
        try {
            CloacaProcess.awaitText(out, "task started\n", job);
            CloacaProcess.pressCtrlC(job);
            CloacaProcess.awaitText(err, STOPPING, job);
            CloacaProcess.pressCtrlC(job);
            // The task never ends, and shutdown would wait 120 s for it.
            assertTrue(job.waitFor(60, TimeUnit.SECONDS), "the second Ctrl-C did not end the process");
        } finally {
            stop(job);
        }
        assertEquals(130, job.exitValue(), read(err));
        assertEquals("task started\n", read(out));
        assertEquals(STOPPING, read(err));
    }

    private Process start(String databaseUrl, Path release, Path out, Path err) throws Exception {
        Path script = Files.writeString(dir.resolve("waiting.py"), WAITING_FOR_A_TASK);
        return CloacaProcess.startJob(Map.of("DATABASE_URL", databaseUrl, "RELEASE", release.toString()), out, err,
                "run", script.toString());
    }

    /** The launcher script may still be waiting for its JVM: end both. */
    private static void stop(Process job) {
        job.descendants().forEach(ProcessHandle::destroyForcibly);
        job.destroyForcibly();
    }

    private static String read(Path file) throws Exception {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    private static List<TaskStatus> taskStatuses(String databaseUrl) {
        try (Database db = Database.open(DatabaseUrl.parse(databaseUrl), 1, true)) {
            ExecutionStore store = new ExecutionStore(db, null);
            String execution = store.listExecutions("ctrl_c", 10).get(0).id();
            return store.listTasks(execution).stream().map(t -> t.status()).toList();
        }
    }
}
