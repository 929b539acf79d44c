package io.cloaca.engine.cron;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Schedules and audit rows as the maps the Python API returns as dicts (upstream's keys, RFC 3339
 * times) and {@code cloaca schedules --json} prints: one shape for scripts in either language.
 */
public final class CronJson {

    private CronJson() {
    }

    public static Map<String, Object> schedule(CronSchedule s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("workflow_name", s.workflowName());
        m.put("cron_expression", s.cronExpression());
        m.put("timezone", s.timezone());
        m.put("enabled", s.enabled());
        m.put("catchup_policy", s.catchupPolicy().keyword());
        m.put("next_run_at", Rfc3339.format(s.nextRunAt()));
        m.put("last_run_at", Rfc3339.format(s.lastRunAt()));
        m.put("created_at", Rfc3339.format(s.createdAt()));
        m.put("updated_at", Rfc3339.format(s.updatedAt()));
        return m;
    }

    /** Upstream's keys, then what became of the instant and the status of the execution it started. */
    public static Map<String, Object> execution(CronExecution e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("schedule_id", e.scheduleId());
        m.put("scheduled_time", Rfc3339.format(e.scheduledTime()));
        m.put("claimed_at", Rfc3339.format(e.claimedAt()));
        m.put("pipeline_execution_id", e.executionId());
        m.put("created_at", Rfc3339.format(e.createdAt()));
        m.put("updated_at", Rfc3339.format(e.updatedAt()));
        m.put("outcome", e.outcome().keyword());
        m.put("detail", e.detail());
        m.put("execution_status", e.executionStatus());
        return m;
    }
}
