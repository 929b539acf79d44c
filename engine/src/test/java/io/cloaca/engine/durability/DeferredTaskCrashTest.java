package io.cloaca.engine.durability;

import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.store.Database;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.ExecutionRecord;
import io.cloaca.engine.store.ExecutionStatus;
import io.cloaca.engine.store.ExecutionStore;
import io.cloaca.engine.store.TaskRecord;
import io.cloaca.engine.store.TaskStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A runner process killed (SIGKILL) while its task is deferred: another runner process recovers the
 * task and runs its body again from the start, and the execution completes there. On SQLite (a file)
 * and, with {@code -Dcloaca.test.backend=postgresql}, on a fresh PostgreSQL schema.
 */
class DeferredTaskCrashTest {

    @TempDir
    Path dir;

    @Test
    void a_task_deferred_in_a_killed_process_is_run_again_by_another_runner() throws Exception {
        String schema = TestDatabases.postgres() ? TestDatabases.newSchemaName() : null;
        String url = schema != null ? TestDatabases.PG_URL + "?schema=" + schema : "sqlite://" + dir.resolve("crash.db");
        Process first = null;
        Process second = null;
        try (Database db = Database.open(DatabaseUrl.parse(url), 2, true)) {
            db.migrate(schema);
            ExecutionStore store = new ExecutionStore(db, schema);
            String id = UUID.randomUUID().toString();
            var workflow = DeferringRunnerProcess.workflow("test", dir);
            store.createExecution(id, workflow.name(), workflow, Context.empty().toJson(), System.currentTimeMillis());

            first = SeveralRunnersTest.startProcess(DeferringRunnerProcess.class, url, "runner-1", dir.toString());
            awaitState("runner-1 started the body", () -> starts().contains("runner-1"));
            TaskRecord deferred = store.listTasks(id).get(0);
            assertEquals(TaskStatus.Running, deferred.status(), "deferred tasks stay claimed");

            first.destroyForcibly().waitFor(); // SIGKILL: no shutdown, the claim is left behind
            second = SeveralRunnersTest.startProcess(DeferringRunnerProcess.class, url, "runner-2", dir.toString());
            awaitState("runner-2 recovered the task and started its body again", () -> starts().contains("runner-2"));
            Files.createFile(dir.resolve("go"));
            awaitState("the execution ended", () -> !store.findFinished(List.of(id)).isEmpty());

            ExecutionRecord execution = store.findExecution(id).orElseThrow();
            assertEquals(ExecutionStatus.Completed, execution.status());
            assertEquals(List.of("runner-1", "runner-2"), starts(), "the body ran once in each process");
            TaskRecord task = store.listTasks(id).get(0);
            assertEquals(1, task.recoveryAttempts());
            assertEquals("runner-2", Context.fromJson(task.outputContext()).get("finished_by").asText());
        } finally {
            for (Process p : new Process[] {first, second}) {
                if (p != null) {
                    p.destroyForcibly();
                }
            }
        }
    }

    private List<String> starts() {
        try {
            Path file = dir.resolve("starts");
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Waits for a state, checked every 20 ms, failing after a minute. */
    private static void awaitState(String what, BooleanSupplier state) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (!state.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            Thread.sleep(20);
        }
    }
}
