package io.cloaca.engine.trigger;

import io.cloaca.engine.cron.Rfc3339;

import java.util.LinkedHashMap;
import java.util.Map;

/** Trigger rows and history as the maps the Python API returns as dicts: upstream's keys first, then ours. */
public final class TriggerJson {

    private TriggerJson() {
    }

    public static Map<String, Object> schedule(TriggerSchedule s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("trigger_name", s.triggerName());
        m.put("workflow_name", s.workflowName());
        m.put("poll_interval_ms", s.pollIntervalMs());
        m.put("allow_concurrent", s.allowConcurrent());
        m.put("enabled", s.enabled());
        m.put("last_poll_at", Rfc3339.format(s.lastPollAt()));
        m.put("created_at", Rfc3339.format(s.createdAt()));
        m.put("updated_at", Rfc3339.format(s.updatedAt()));
        m.put("cron_expression", s.cronExpression());
        m.put("timezone", s.timezone());
        m.put("next_poll_at", Rfc3339.format(s.nextPollAt()));
        return m;
    }

    public static Map<String, Object> execution(TriggerExecution e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("trigger_name", e.triggerName());
        m.put("context_hash", e.contextHash());
        m.put("pipeline_execution_id", e.executionId());
        m.put("started_at", Rfc3339.format(e.polledAt()));
        m.put("completed_at", Rfc3339.format(e.completedAt()));
        m.put("created_at", Rfc3339.format(e.createdAt()));
        m.put("outcome", e.outcome().keyword());
        m.put("detail", e.detail());
        m.put("execution_status", e.executionStatus());
        return m;
    }
}
