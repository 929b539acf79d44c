package io.cloaca.engine.execution;

import io.cloaca.engine.cron.Rfc3339;
import io.cloaca.engine.store.ExecutionRecord;
import io.cloaca.engine.store.TaskRecord;
import io.cloaca.engine.store.TaskStatus;
import io.cloaca.engine.workflow.TaskNamespace;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Execution and task rows as the maps the Python API returns as dicts ({@code list_executions},
 * {@code task_results}; upstream's keys, RFC 3339 times) and {@code cloaca executions --json} prints:
 * one shape for scripts in either language.
 */
public final class ExecutionJson {

    private ExecutionJson() {
    }

    /** Keys: execution_id, workflow_name, status, start_time, end_time (null while running), error_message. */
    public static Map<String, Object> execution(ExecutionRecord e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("execution_id", e.id());
        m.put("workflow_name", e.workflowName());
        m.put("status", e.status().name());
        m.put("start_time", Rfc3339.format(e.startedAt()));
        m.put("end_time", Rfc3339.format(e.completedAt()));
        m.put("error_message", e.errorMessage());
        return m;
    }

    /**
     * Keys: task_id (without the workflow prefix), task_name, status, attempts (begun so far),
     * max_attempts, error, started_at, completed_at.
     */
    public static Map<String, Object> task(TaskRecord t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task_id", TaskNamespace.parse(t.taskName()).task());
        m.put("task_name", t.taskName());
        m.put("status", t.status().name());
        m.put("attempts", t.attemptsUsed());
        m.put("max_attempts", t.maxAttempts());
        // last_error keeps a retried attempt's failure; a task that then succeeded has no error
        m.put("error", t.status() == TaskStatus.Completed ? null : t.lastError());
        m.put("started_at", Rfc3339.format(t.startedAt()));
        m.put("completed_at", Rfc3339.format(t.completedAt()));
        return m;
    }
}
