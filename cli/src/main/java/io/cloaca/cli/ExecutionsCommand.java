package io.cloaca.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.ExecutionJson;
import io.cloaca.engine.store.ExecutionHistory;
import io.cloaca.engine.store.ExecutionRecord;
import io.cloaca.engine.store.StartedBy;
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
                "Column BY says what started each execution: cron (a schedule), trigger (an event trigger) or execute (a caller)."})
final class ExecutionsCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    ReadOptions source = new ReadOptions();

    @Option(names = {"-w", "--workflow"}, paramLabel = "NAME", description = "Only executions of this workflow.")
    String workflow;

    @Option(names = {"-n", "--limit"}, paramLabel = "N", defaultValue = "20", description = "How many (default: 20).")
    int limit;

    @Parameters(arity = "0..1", paramLabel = "EXECUTION_ID", description = "Show this execution's tasks.")
    String executionId;

    @Override
    public Integer call() {
        if (!ReadOptions.atLeastOne("cloaca executions", "--limit", limit)) {
            return 2;
        }
        return source.read("cloaca executions", (db, out) -> {
            ExecutionHistory history = new ExecutionHistory(db.database(), db.schema());
            ExecutionStarters starters = new ExecutionStarters(db.database(), db.schema());
            if (executionId != null) {
                var execution = history.findExecution(executionId);
                if (execution.isEmpty()) {
                    System.err.println("cloaca executions: no execution " + executionId + " in this database");
                    return 1;
                }
                if (source.json) {
                    showJson(execution.get(), history, starters, out);
                } else {
                    showTasks(execution.get(), history, out);
                }
                return 0;
            }
            List<ExecutionRecord> executions = history.recentExecutions(workflow, limit);
            Map<String, StartedBy> started = starters.of(executions.stream().map(ExecutionRecord::id).toList());
            if (source.json) {
                out.println(Context.JSON.writeValueAsString(executions.stream()
                        .map(e -> withStarter(ExecutionJson.execution(e), started.get(e.id()))).toList()));
            } else {
                listExecutions(executions, started, out);
            }
            return 0;
        });
    }

    /**
     * The Python API's keys, then what started the execution: {@code started_by} ({@code execute},
     * {@code cron} or {@code trigger}), {@code schedule_id} and {@code trigger_name}.
     */
    private static Map<String, Object> withStarter(Map<String, Object> execution, StartedBy starter) {
        execution.put("started_by", ExecutionStarters.kind(starter));
        execution.put("schedule_id", starter != null ? starter.scheduleId() : null);
        execution.put("trigger_name", starter != null ? starter.triggerName() : null);
        return execution;
    }

    /** One execution as {@code runner.execute} returns it to Python (without the result wrapper's methods). */
    private static void showJson(ExecutionRecord e, ExecutionHistory history, ExecutionStarters starters, PrintStream out)
            throws JsonProcessingException {
        Map<String, Object> doc = withStarter(ExecutionJson.execution(e), starters.of(List.of(e.id())).get(e.id()));
        doc.put("final_context", e.finalContext() == null ? null : Context.JSON.readTree(e.finalContext()));
        doc.put("task_results", history.tasks(e.id()).stream().map(ExecutionJson::task).toList());
        out.println(Context.JSON.writeValueAsString(doc));
    }

    /** @param started what started each execution not started by a caller, by execution id */
    private static void listExecutions(List<ExecutionRecord> executions, Map<String, StartedBy> started, PrintStream out) {
        out.printf("%-36s  %-24s  %-9s  %-24s  %-7s  %s%n", "EXECUTION", "WORKFLOW", "STATUS", "STARTED", "BY",
                "ERROR");
        for (ExecutionRecord e : executions) {
            out.printf("%-36s  %-24s  %-9s  %-24s  %-7s  %s%n", e.id(), e.workflowName(), e.status(),
                    Instant.ofEpochMilli(e.startedAt()),
                    ExecutionStarters.kind(started.get(e.id())),
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
