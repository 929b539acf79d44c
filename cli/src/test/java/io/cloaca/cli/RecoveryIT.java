package io.cloaca.cli;

import io.cloaca.engine.store.Database;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.ExecutionRecord;
import io.cloaca.engine.store.ExecutionStore;
import io.cloaca.engine.store.TaskStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real {@code cloaca run} process is killed with SIGKILL in the middle of a 25-task workflow; a
 * second process on the same database finishes it. Only the tasks that were running at the kill may
 * run again; every other task runs exactly once. The sample keeps the default 60 s lease; the second
 * process must take every killed claim over because the dead process's liveness lock is free (its
 * log says so for each), never because a lease ran out, so no timing decides the outcome. How long
 * after its start it resumed, and how much of the lease was left, is printed.
 */
class RecoveryIT {

    private static final String PG_URL = System.getenv().getOrDefault("CLOACA_TEST_PG_URL",
            "postgresql://postgres@127.0.0.1:5432/postgres");

    @TempDir
    Path dir;

    @Test
    void a_killed_run_on_sqlite_is_finished_by_the_next_process() throws Exception {
        crashAndResume("sqlite://" + dir.resolve("recovery.db"));
    }

    @Test
    void a_killed_run_on_a_postgresql_schema_is_finished_by_the_next_process() throws Exception {
        String schema = "recovery_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        try {
            crashAndResume(PG_URL + "?schema=" + schema);
        } finally {
            var pg = (DatabaseUrl.Postgres) DatabaseUrl.parse(PG_URL);
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
                 Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    @Test
    void ctrl_c_lets_running_tasks_finish_and_hands_the_rest_to_the_next_process_at_once() throws Exception {
        String databaseUrl = "sqlite://" + dir.resolve("interrupted.db");
        Path log = dir.resolve("interrupted.log");
        Process first = CloacaProcess.start(Map.of("DATABASE_URL", databaseUrl, "RECOVERY_LOG", log.toString(),
                "RECOVERY_STEP_SECONDS", "1.5"), "run", "samples/python/07_recovery.py");
        try {
            awaitLines(log, "end ", 9, first);
            ProcessHandle java = first.toHandle().info().command().orElse("").endsWith("java") ? first.toHandle()
                    : first.descendants().filter(p -> p.info().command().orElse("").endsWith("java")).findFirst()
                    .orElseThrow();
            new ProcessBuilder("kill", "-INT", String.valueOf(java.pid())).start().waitFor();
            assertTrue(first.waitFor(60, TimeUnit.SECONDS), "the interrupted run did not stop");
        } finally {
            first.descendants().forEach(ProcessHandle::destroyForcibly);
            first.destroyForcibly();
        }
        assertEquals(Set.of(), runningTasks(databaseUrl), "Ctrl-C must leave no claimed task behind");
        Map<String, Long> before = count(log, "start ");
        assertTrue(before.size() < 25, "the run was interrupted before the end: " + before.keySet());

        // The claims were given back: no lease has to expire (the sample's lease is 3 s, the sweep 1 s,
        // so this only shows that nothing ran twice and everything finished).
        CloacaProcess.Result resumed = CloacaProcess.run(Map.of("DATABASE_URL", databaseUrl,
                "RECOVERY_LOG", log.toString(), "RECOVERY_STEP_SECONDS", "0.1"),
                "run", "samples/python/07_recovery.py", "--resume");
        assertEquals(0, resumed.exitCode(), resumed::toString);
        assertTrue(resumed.stdout().contains(": Completed, 24 of 24 steps in the final context"), resumed::toString);
        Map<String, Long> starts = count(log, "start ");
        assertEquals(25, starts.size());
        starts.forEach((task, n) -> assertEquals(1L, n, task + " ran " + n + " times"));
    }

    @Test
    void a_run_resumed_by_a_process_with_another_version_of_the_workflow_is_failed_naming_both_versions()
            throws Exception {
        String databaseUrl = "sqlite://" + dir.resolve("versions.db");
        Path log = dir.resolve("versions.log");
        killMidRun(databaseUrl, log, 5);
        // Five steps per lane instead of six: another workflow graph, another version.
        CloacaProcess.Result resumed = CloacaProcess.run(Map.of("DATABASE_URL", databaseUrl,
                "RECOVERY_LOG", log.toString(), "RECOVERY_STEP_SECONDS", "0.1", "RECOVERY_STEPS", "5"),
                "run", "samples/python/07_recovery.py", "--resume");
        assertEquals(0, resumed.exitCode(), resumed::toString);
        // The runner's start-up sweep may fail the execution before the script lists the unfinished ones,
        // so what the script prints depends on that race; the database and the log say what happened.
        assertTrue(resumed.stderr().contains("but this process has version"), resumed::toString);
        ExecutionRecord execution = execution(databaseUrl);
        assertTrue(execution.errorMessage().contains("was started with version " + execution.workflowVersion())
                && execution.errorMessage().contains("but this process has version"), execution.errorMessage());
        Set<TaskStatus> left = withStore(databaseUrl, (db, store) -> store.listTasks(execution.id()).stream()
                .map(t -> t.status()).collect(Collectors.toSet()));
        assertTrue(Set.of(TaskStatus.Completed, TaskStatus.Failed).containsAll(left), "tasks left waiting: " + left);
    }

    /** Starts sample 07 with slow steps and SIGKILLs it once {@code ends} steps have ended. */
    private static void killMidRun(String databaseUrl, Path log, int ends) throws Exception {
        Process first = CloacaProcess.start(Map.of("DATABASE_URL", databaseUrl, "RECOVERY_LOG", log.toString(),
                "RECOVERY_STEP_SECONDS", "1.5"), "run", "samples/python/07_recovery.py");
        try {
            awaitLines(log, "end ", ends, first);
        } finally {
            // SIGKILL the whole tree: the launcher may run java as a child rather than exec it.
            first.descendants().forEach(ProcessHandle::destroyForcibly);
            first.destroyForcibly();
            first.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private void crashAndResume(String databaseUrl) throws Exception {
        Path log = dir.resolve("steps.log");
        killMidRun(databaseUrl, log, 9);
        Set<String> runningAtKill = runningTasks(databaseUrl);
        assertFalse(runningAtKill.isEmpty(), "the kill should have caught tasks running");
        long earliestLease = earliestLease(databaseUrl);

        long resumeStarted = System.currentTimeMillis();
        CloacaProcess.Result resumed = CloacaProcess.run(Map.of("DATABASE_URL", databaseUrl,
                "RECOVERY_LOG", log.toString(), "RECOVERY_STEP_SECONDS", "0.1"),
                "run", "samples/python/07_recovery.py", "--resume");
        assertEquals(0, resumed.exitCode(), resumed::toString);
        assertTrue(resumed.stdout().contains("resuming 1 unfinished execution(s)"), resumed::toString);
        assertTrue(resumed.stdout().contains(": Completed, 24 of 24 steps in the final context"), resumed::toString);

        Map<String, Long> starts = count(log, "start ");
        Map<String, Long> ends = count(log, "end ");
        assertEquals(25, starts.size(), "every task started: " + starts);
        for (Map.Entry<String, Long> task : starts.entrySet()) {
            boolean wasRunning = runningAtKill.contains(task.getKey());
            long expectedMax = wasRunning ? 2 : 1;
            assertTrue(task.getValue() <= expectedMax, task.getKey() + " started " + task.getValue()
                    + " times; running at the kill: " + runningAtKill);
            assertTrue(ends.getOrDefault(task.getKey(), 0L) >= 1, task.getKey() + " never ended");
        }
        Set<String> ranAgain = starts.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
                .collect(Collectors.toSet());
        assertTrue(runningAtKill.containsAll(ranAgain), "ran again: " + ranAgain + ", running: " + runningAtKill);

        // Every claim of the killed process was taken over because its liveness lock was free, none because
        // a lease ran out: the engine says which in each recovery's log line.
        assertTrue(resumed.stderr().contains("is gone (its liveness lock is free)"), resumed::toString);
        assertFalse(resumed.stderr().contains("expired"), resumed::toString);
        ExecutionRecord execution = execution(databaseUrl);
        long firstRerun = firstStartOf(databaseUrl, runningAtKill);
        System.out.printf("resumed process: first recovered task started %d ms after the process, whole execution"
                + " ended %d ms after it; the killed claims' leases ran %d ms longer%n", firstRerun - resumeStarted,
                execution.completedAt() - resumeStarted, earliestLease - execution.completedAt());
    }

    private static <T> T withStore(String databaseUrl, java.util.function.BiFunction<Database, ExecutionStore, T> work) {
        DatabaseUrl url = DatabaseUrl.parse(databaseUrl);
        try (Database db = Database.open(url, 1, true)) {
            String schema = url instanceof DatabaseUrl.Postgres pg ? pg.schema() : null;
            return work.apply(db, new ExecutionStore(db, schema));
        }
    }

    private static ExecutionRecord execution(String databaseUrl) {
        return withStore(databaseUrl, (db, store) -> {
            List<ExecutionRecord> executions = store.listExecutions("recovery_demo", 10);
            assertEquals(1, executions.size());
            return executions.get(0);
        });
    }

    /** When the first of {@code tasks} (short ids) started its last attempt, epoch millis. */
    private static long firstStartOf(String databaseUrl, Set<String> tasks) {
        return withStore(databaseUrl, (db, store) -> store.listTasks(execution(databaseUrl).id()).stream()
                .filter(t -> tasks.contains(shortId(t)))
                .mapToLong(t -> t.startedAt()).min().orElseThrow());
    }

    /** The earliest lease expiry (epoch millis, database clock) of the tasks stored as Running. */
    private static long earliestLease(String databaseUrl) {
        return withStore(databaseUrl, (db, store) -> {
            String schema = DatabaseUrl.parse(databaseUrl) instanceof DatabaseUrl.Postgres pg ? pg.schema() : null;
            try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement();
                 var rs = st.executeQuery("SELECT MIN(lease_expires_at) FROM " + (schema == null ? "" : schema + ".")
                         + "task_executions WHERE status = 'Running'")) {
                rs.next();
                return rs.getLong(1);
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static void awaitLines(Path log, String prefix, int count, Process process)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readAllLines(log).stream().filter(l -> l.startsWith(prefix)).count() >= count) {
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError("the first run ended before it could be killed (exit " + process.exitValue() + ")");
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the first run did not reach " + count + " finished steps in 3 minutes");
    }

    private static Map<String, Long> count(Path log, String prefix) throws IOException {
        return Files.readAllLines(log).stream().filter(l -> l.startsWith(prefix))
                .collect(Collectors.groupingBy(l -> l.substring(prefix.length()), TreeMap::new, Collectors.counting()));
    }

    /** Short ids (e.g. lane1_step4) of the tasks stored as Running. */
    private static Set<String> runningTasks(String databaseUrl) {
        String id = execution(databaseUrl).id();
        return withStore(databaseUrl, (db, store) -> store.listTasks(id).stream()
                .filter(t -> t.status() == TaskStatus.Running)
                .map(RecoveryIT::shortId).collect(Collectors.toSet()));
    }

    /** lane1_step4 for public::embedded::recovery_demo::lane1_step4. */
    private static String shortId(io.cloaca.engine.store.TaskRecord task) {
        return task.taskName().substring(task.taskName().lastIndexOf(':') + 1);
    }
}
