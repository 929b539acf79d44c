package io.cloaca.python;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.ExecutionResult;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.store.ExecutionRecord;
import io.cloaca.engine.store.TaskRecord;
import io.cloaca.engine.store.TaskStatus;
import io.cloaca.engine.workflow.TaskNamespace;
import org.graalvm.polyglot.HostAccess;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the Python {@code cloaca.DefaultRunner} wraps. Results cross back to Python as JSON text. */
public final class RunnerHandle {

    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss");

    private final Runner runner;
    private final PythonErrors errors;
    private final KeyboardInterrupts interrupts;

    RunnerHandle(Runner runner, PythonErrors errors, KeyboardInterrupts interrupts) {
        this.runner = runner;
        this.errors = errors;
        this.interrupts = interrupts;
    }

    Runner runner() {
        return runner;
    }

    /** Runs a workflow to its end; the GIL is released while this blocks, so workers can run Python tasks. */
    @HostAccess.Export
    public String execute(String workflowName, String contextJson) {
        try {
            Context input = Context.fromJson(contextJson);
            return resultJson(interrupts.waitOnMain(() -> runner.execute(workflowName, input)));
        } catch (CloacaException e) {
            throw errors.translate(switch (e.kind()) {
                case NOT_FOUND -> "Workflow execution failed: Pipeline execution failed: Failed to schedule workflow: ";
                case TIMEOUT -> "Workflow execution failed: ";
                case ILLEGAL_STATE -> "Failed to send message to runtime thread: ";
                default -> "Workflow execution failed: ";
            }, e);
        }
    }

    /** Waits for any execution of this runner's database to end; {@code timeoutMillis} below 0 waits forever. */
    @HostAccess.Export
    public String awaitExecution(String executionId, long timeoutMillis) {
        try {
            return resultJson(interrupts.waitOnMain(() -> runner.awaitExecution(executionId,
                    timeoutMillis < 0 ? null : java.time.Duration.ofMillis(timeoutMillis))));
        } catch (CloacaException e) {
            throw errors.translate("Failed to wait for execution: ", e);
        }
    }

    /** Recent executions, newest first, as a JSON list. */
    @HostAccess.Export
    public String listExecutions(String workflowName, int limit) {
        if (runner.isShutDown()) {
            throw errors.raise("ValueError", "Failed to list executions: Runner is shut down");
        }
        List<ExecutionRecord> executions;
        try {
            executions = runner.store().listExecutions(workflowName, limit);
        } catch (CloacaException e) {
            throw errors.translate("Failed to list executions: ", e);
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ExecutionRecord e : executions) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("execution_id", e.id());
            row.put("workflow_name", e.workflowName());
            row.put("status", e.status().name());
            row.put("start_time", rfc3339(Instant.ofEpochMilli(e.startedAt())));
            row.put("end_time", e.completedAt() == null ? null : rfc3339(Instant.ofEpochMilli(e.completedAt())));
            row.put("error_message", e.errorMessage());
            rows.add(row);
        }
        return WorkflowHandle.json(rows);
    }

    /** The result with its task rows, read now, while the database is open: scripts often look at
     *  task_results after shutdown. */
    private String resultJson(ExecutionResult result) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("execution_id", result.executionId());
        out.put("workflow_name", result.workflowName());
        out.put("status", result.status().name());
        out.put("start_time", rfc3339(result.startedAt()));
        out.put("end_time", result.completedAt() == null ? null : rfc3339(result.completedAt()));
        out.put("error_message", result.errorMessage());
        out.put("final_context", result.finalContext().toJsonNode());
        out.put("task_results", taskResults(result.executionId()));
        return WorkflowHandle.json(out);
    }

    /** Every task row of an execution, in the order the tasks started. */
    private List<Map<String, Object>> taskResults(String executionId) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (TaskRecord t : runner.store().listTasks(executionId)) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("task_id", TaskNamespace.parse(t.taskName()).task());
            row.put("task_name", t.taskName());
            row.put("status", t.status().name());
            row.put("attempts", t.attemptsUsed());
            row.put("max_attempts", t.maxAttempts());
            // last_error keeps a retried attempt's failure; a task that then succeeded has no error
            row.put("error", t.status() == TaskStatus.Completed ? null : t.lastError());
            row.put("started_at", t.startedAt() == null ? null : rfc3339(Instant.ofEpochMilli(t.startedAt())));
            row.put("completed_at", t.completedAt() == null ? null : rfc3339(Instant.ofEpochMilli(t.completedAt())));
            rows.add(row);
        }
        return rows;
    }

    /** Shuts the runner down; {@code interrupted}: because of Ctrl-C, which stderr then reports. */
    @HostAccess.Export
    public void shutdown(boolean interrupted) {
        if (interrupted) {
            interrupts.stopAfterInterrupt(List.of(runner));
        } else {
            runner.shutdown();
        }
    }

    @HostAccess.Export
    public String describe() {
        return runner.store().database().url().redacted();
    }

    /**
     * A UTC timestamp as upstream (chrono's {@code to_rfc3339}) writes it: {@code +00:00} rather than
     * {@code Z}, and a fraction of 3, 6 or 9 digits, left out when zero.
     */
    static String rfc3339(Instant instant) {
        int nanos = instant.getNano();
        String fraction = nanos == 0 ? ""
                : nanos % 1_000_000 == 0 ? String.format(".%03d", nanos / 1_000_000)
                : nanos % 1_000 == 0 ? String.format(".%06d", nanos / 1_000)
                : String.format(".%09d", nanos);
        return SECONDS.format(instant.atOffset(ZoneOffset.UTC)) + fraction + "+00:00";
    }
}
