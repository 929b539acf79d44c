package io.cloaca.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.cloaca.engine.CloacaException;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.cron.CronStore;
import io.cloaca.engine.execution.ExecutionJson;
import io.cloaca.engine.store.ExecutionHistory;
import io.cloaca.engine.store.ExecutionRecord;
import io.cloaca.engine.store.TaskRecord;
import io.cloaca.engine.store.TaskStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code cloaca executions}: reads the history a database holds, from any process: recent executions,
 * or one execution's tasks with their attempts and errors. Read-only; no Python is started.
 */
@Command(name = "executions", mixinStandardHelpOptions = true,
        description = {"List recent executions, or show one execution's tasks.",
                "Reads the database only; it never changes anything.",
                "Column BY says what started each execution: cron (a schedule) or execute (a caller)."})
final class ExecutionsCommand implements Callable<Integer> {

    @Option(names = {"-d", "--database"}, paramLabel = "URL",
            description = "Database URL (default: $DATABASE_URL). A PostgreSQL URL may name a schema with ?schema=.")
    String database;

    @Option(names = "--schema", paramLabel = "NAME",
            description = "PostgreSQL schema (tenant) to read (default: the URL's ?schema=, else the login's search_path).")
    String schema;

    @Option(names = "--json", description = "Print one JSON document instead of a table (keys: docs/operators.md).")
    boolean json;

    @Option(names = {"-w", "--workflow"}, paramLabel = "NAME", description = "Only executions of this workflow.")
    String workflow;

    @Option(names = {"-n", "--limit"}, paramLabel = "N", defaultValue = "20", description = "How many (default: 20).")
    int limit;

    @Parameters(arity = "0..1", paramLabel = "EXECUTION_ID", description = "Show this execution's tasks.")
    String executionId;

    @Override
    public Integer call() {
        try (ReadDatabase db = ReadDatabase.open(database, schema)) {
            ExecutionHistory history = new ExecutionHistory(db.database(), db.schema());
            if (!history.hasTables()) {
                System.err.println("cloaca executions: no cloaca tables in "
                        + (db.schema() != null ? "schema " + db.schema() + " of " : "") + "this database");
                return 1;
            }
            CronStore cronStore = new CronStore(db.database(), db.schema());
            if (executionId != null) {
                var execution = history.findExecution(executionId);
                if (execution.isEmpty()) {
                    System.err.println("cloaca executions: no execution " + executionId + " in this database");
                    return 1;
                }
                if (json) {
                    showJson(execution.get(), history, cronStore, System.out);
                } else {
                    showTasks(execution.get(), history, System.out);
                }
                return 0;
            }
            List<ExecutionRecord> executions = history.recentExecutions(workflow, limit);
            Map<String, String> cron = cronStore.schedulesOf(executions.stream().map(ExecutionRecord::id).toList());
            if (json) {
                System.out.println(Context.JSON.writeValueAsString(executions.stream()
                        .map(e -> withStarter(ExecutionJson.execution(e), cron.get(e.id()))).toList()));
            } else {
                listExecutions(executions, cron, System.out);
            }
            return 0;
        } catch (ReadDatabase.Refused e) {
            System.err.println("cloaca executions: " + e.getMessage());
            return e.exitCode;
        } catch (CloacaException | JsonProcessingException e) {
            System.err.println("cloaca executions: " + ReadDatabase.oneLine(e.getMessage()));
            return 1;
        }
    }

    /** The Python API's keys, then what started the execution: {@code started_by} and {@code schedule_id}. */
    private static Map<String, Object> withStarter(Map<String, Object> execution, String scheduleId) {
        execution.put("started_by", scheduleId != null ? "cron" : "execute");
        execution.put("schedule_id", scheduleId);
        return execution;
    }

    /** One execution as {@code runner.execute} returns it to Python (without the result wrapper's methods). */
    private static void showJson(ExecutionRecord e, ExecutionHistory history, CronStore cronStore, PrintStream out)
            throws JsonProcessingException {
        Map<String, Object> doc = withStarter(ExecutionJson.execution(e),
                cronStore.schedulesOf(List.of(e.id())).get(e.id()));
        doc.put("final_context", e.finalContext() == null ? null : Context.JSON.readTree(e.finalContext()));
        doc.put("task_results", history.tasks(e.id()).stream().map(ExecutionJson::task).toList());
        out.println(Context.JSON.writeValueAsString(doc));
    }

    /** @param cron the schedule that started each cron-started execution, by execution id */
    private static void listExecutions(List<ExecutionRecord> executions, Map<String, String> cron, PrintStream out) {
        out.printf("%-36s  %-24s  %-9s  %-24s  %-7s  %s%n", "EXECUTION", "WORKFLOW", "STATUS", "STARTED", "BY",
                "ERROR");
        for (ExecutionRecord e : executions) {
            out.printf("%-36s  %-24s  %-9s  %-24s  %-7s  %s%n", e.id(), e.workflowName(), e.status(),
                    Instant.ofEpochMilli(e.startedAt()), cron.containsKey(e.id()) ? "cron" : "execute",
                    e.errorMessage() == null ? "" : e.errorMessage());
        }
    }

    private static void showTasks(ExecutionRecord e, ExecutionHistory history, PrintStream out) {
        out.printf("%s  %s  %s%s%n", e.id(), e.workflowName(), e.status(),
                e.errorMessage() == null ? "" : "  (" + e.errorMessage() + ")");
        out.printf("%-32s  %-10s  %-8s  %s%n", "TASK", "STATUS", "ATTEMPTS", "ERROR");
        for (TaskRecord t : history.tasks(e.id())) {
            String task = t.taskName().substring(t.taskName().lastIndexOf("::") + 2);
            out.printf("%-32s  %-10s  %-8s  %s%n", task, t.status(), t.attemptsUsed() + "/" + t.maxAttempts(),
                    error(t));
        }
    }

    /**
     * A failed task's error as it is, and a skipped task's reason ("skipped: <rule> was false"); any other
     * task's last error belongs to an earlier attempt (one that was retried), and says so, lest a
     * Completed task read as failed.
     */
    private static String error(TaskRecord t) {
        if (t.lastError() == null) {
            return "";
        }
        return t.status() == TaskStatus.Failed || t.status() == TaskStatus.Skipped ? t.lastError()
                : "attempt " + (t.attempt() - 1) + " failed: " + t.lastError();
    }
}
