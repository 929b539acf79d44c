package io.cloaca.cli;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.store.Database;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.ExecutionRecord;
import io.cloaca.engine.store.ExecutionStore;
import io.cloaca.engine.store.TaskRecord;
import io.cloaca.engine.store.TaskStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code cloaca executions}: reads the history a database holds, from any process: recent executions,
 * or one execution's tasks with their attempts and errors. Read-only; no Python is started.
 */
@Command(name = "executions", mixinStandardHelpOptions = true,
        description = {"List recent executions, or show one execution's tasks.",
                "Reads the database only; it never changes anything."})
final class ExecutionsCommand implements Callable<Integer> {

    @Option(names = {"-d", "--database"}, paramLabel = "URL",
            description = "Database URL (default: $DATABASE_URL). A PostgreSQL URL may name a schema with ?schema=.")
    String database;

    @Option(names = {"-w", "--workflow"}, paramLabel = "NAME", description = "Only executions of this workflow.")
    String workflow;

    @Option(names = {"-n", "--limit"}, paramLabel = "N", defaultValue = "20", description = "How many (default: 20).")
    int limit;

    @Parameters(arity = "0..1", paramLabel = "EXECUTION_ID", description = "Show this execution's tasks.")
    String executionId;

    @Override
    public Integer call() {
        String url = database != null ? database : System.getenv("DATABASE_URL");
        if (url == null || url.isBlank()) {
            System.err.println("cloaca executions: give --database URL or set DATABASE_URL");
            return 2;
        }
        DatabaseUrl parsed;
        try {
            parsed = DatabaseUrl.parse(url);
        } catch (CloacaException e) {
            System.err.println("cloaca executions: " + e.getMessage());
            return 2;
        }
        if (parsed instanceof DatabaseUrl.Sqlite sqlite && (sqlite.inMemory() || !Files.isRegularFile(sqlite.file()))) {
            System.err.println("cloaca executions: " + (sqlite.inMemory()
                    ? "an in-memory database belongs to the process that made it; give a file or PostgreSQL URL"
                    : "no SQLite database at " + sqlite.file()));
            return 2;
        }
        try (Database db = Database.open(parsed, 1, true)) {
            ExecutionStore store = new ExecutionStore(db,
                    parsed instanceof DatabaseUrl.Postgres pg ? pg.schema() : null);
            if (executionId != null) {
                return showTasks(store, System.out);
            }
            listExecutions(store.listExecutions(workflow, limit), System.out);
            return 0;
        } catch (CloacaException e) {
            System.err.println("cloaca executions: " + e.getMessage());
            return 1;
        }
    }

    private static void listExecutions(List<ExecutionRecord> executions, PrintStream out) {
        out.printf("%-36s  %-24s  %-9s  %-24s  %s%n", "EXECUTION", "WORKFLOW", "STATUS", "STARTED", "ERROR");
        for (ExecutionRecord e : executions) {
            out.printf("%-36s  %-24s  %-9s  %-24s  %s%n", e.id(), e.workflowName(), e.status(),
                    Instant.ofEpochMilli(e.startedAt()), e.errorMessage() == null ? "" : e.errorMessage());
        }
    }

    private int showTasks(ExecutionStore store, PrintStream out) {
        var execution = store.findExecution(executionId);
        if (execution.isEmpty()) {
            System.err.println("cloaca executions: no execution " + executionId + " in this database");
            return 1;
        }
        ExecutionRecord e = execution.get();
        out.printf("%s  %s  %s%s%n", e.id(), e.workflowName(), e.status(),
                e.errorMessage() == null ? "" : "  (" + e.errorMessage() + ")");
        out.printf("%-32s  %-10s  %-8s  %s%n", "TASK", "STATUS", "ATTEMPTS", "ERROR");
        for (TaskRecord t : store.listTasks(executionId)) {
            String task = t.taskName().substring(t.taskName().lastIndexOf("::") + 2);
            out.printf("%-32s  %-10s  %-8s  %s%n", task, t.status(), t.attemptsUsed() + "/" + t.maxAttempts(),
                    error(t));
        }
        return 0;
    }

    /**
     * A failed task's error as it is; any other task's last error belongs to an earlier attempt (one
     * that was retried), and says so, lest a Completed task read as failed.
     */
    private static String error(TaskRecord t) {
        if (t.lastError() == null) {
            return "";
        }
        return t.status() == TaskStatus.Failed ? t.lastError()
                : "attempt " + (t.attempt() - 1) + " failed: " + t.lastError();
    }
}
