package io.cloaca.python;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.cron.CatchupPolicy;
import io.cloaca.engine.cron.CronJson;
import io.cloaca.engine.cron.CronStats;
import io.cloaca.engine.cron.Rfc3339;
import io.cloaca.engine.execution.ExecutionJson;
import io.cloaca.engine.execution.ExecutionResult;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.store.ExecutionRecord;
import io.cloaca.engine.trigger.TriggerJson;
import org.graalvm.polyglot.HostAccess;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the Python {@code cloaca.DefaultRunner} wraps. Results cross back to Python as JSON text, which
 * {@code cloaca._json._loads} has the JVM turn into a pickle ({@link PickledJson}).
 */
public final class RunnerHandle {

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
            executions = runner.history().recentExecutions(workflowName, limit);
        } catch (CloacaException e) {
            throw errors.translate("Failed to list executions: ", e);
        }
        List<Map<String, Object>> rows = executions.stream().map(ExecutionJson::execution).toList();
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
        return runner.history().tasks(executionId).stream().map(ExecutionJson::task).toList();
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
        return runner.url().redacted();
    }

    // ---- cron (upstream's messages: "<prefix>: Configuration error: <detail>" for bad input) ----------

    private RuntimeException cronError(String prefix, CloacaException e) {
        return switch (e.kind()) {
            case INVALID_ARGUMENT, ILLEGAL_STATE -> errors.raise("ValueError", prefix + "Configuration error: " + e.getMessage());
            case NOT_FOUND -> errors.raise("ValueError", prefix + e.getMessage());
            default -> errors.translate(prefix, e);
        };
    }

    /** Returns the new schedule's id. */
    @HostAccess.Export
    public String registerCron(String workflowName, String expression, String timezone, String policy) {
        try {
            return runner.cron().register(workflowName, expression, timezone, CatchupPolicy.of(policy));
        } catch (CloacaException e) {
            throw cronError("Failed to register cron workflow: ", e);
        }
    }

    @HostAccess.Export
    public String listCron(boolean enabledOnly, int limit, int offset) {
        try {
            return WorkflowHandle.json(runner.cron().list(enabledOnly, limit, offset).stream().map(CronJson::schedule).toList());
        } catch (CloacaException e) {
            throw cronError("Failed to list cron schedules: ", e);
        }
    }

    @HostAccess.Export
    public String getCron(String scheduleId) {
        try {
            return WorkflowHandle.json(CronJson.schedule(runner.cron().get(scheduleId)));
        } catch (CloacaException e) {
            throw cronError("Failed to get cron schedule: ", e);
        }
    }

    /** @param policy {@code skip}, {@code run_all}, or null to keep the schedule's */
    @HostAccess.Export
    public void updateCron(String scheduleId, String expression, String timezone, String policy) {
        try {
            runner.cron().update(scheduleId, expression, timezone, policy == null ? null : CatchupPolicy.of(policy));
        } catch (CloacaException e) {
            throw cronError("Failed to update cron schedule: ", e);
        }
    }

    @HostAccess.Export
    public void setCronEnabled(String scheduleId, boolean enabled) {
        try {
            runner.cron().setEnabled(scheduleId, enabled);
        } catch (CloacaException e) {
            throw cronError("Failed to update cron schedule: ", e);
        }
    }

    @HostAccess.Export
    public void deleteCron(String scheduleId) {
        try {
            runner.cron().delete(scheduleId);
        } catch (CloacaException e) {
            throw cronError("Failed to delete cron schedule: ", e);
        }
    }

    @HostAccess.Export
    public String cronHistory(String scheduleId, int limit, int offset) {
        try {
            return WorkflowHandle.json(runner.cron().history(scheduleId, limit, offset).stream()
                    .map(CronJson::execution).toList());
        } catch (CloacaException e) {
            throw cronError("Failed to get cron execution history: ", e);
        }
    }

    @HostAccess.Export
    public String cronStats(String since) {
        Instant from;
        try {
            from = Rfc3339.parse(since);
        } catch (CloacaException e) {
            throw errors.raise("ValueError", e.getMessage());
        }
        try {
            CronStats stats = runner.cron().stats(from);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("total_executions", stats.total());
            out.put("successful_executions", stats.successful());
            out.put("lost_executions", stats.lost());
            out.put("success_rate", stats.successRate());
            return WorkflowHandle.json(out);
        } catch (CloacaException e) {
            throw cronError("Failed to get cron execution stats: ", e);
        }
    }

    // ---- event triggers (upstream's prefix "Failed to update trigger: " for set_trigger_enabled) ------

    @HostAccess.Export
    public String listTriggers(boolean enabledOnly, int limit, int offset) {
        try {
            return WorkflowHandle.json(runner.triggers().list(enabledOnly, limit, offset).stream()
                    .map(TriggerJson::schedule).toList());
        } catch (CloacaException e) {
            throw errors.translate("Failed to list trigger schedules: ", e);
        }
    }

    /** The trigger's row as JSON, or null if no process defined it on this database. */
    @HostAccess.Export
    public String getTrigger(String name) {
        try {
            return runner.triggers().get(name).map(s -> WorkflowHandle.json(TriggerJson.schedule(s))).orElse(null);
        } catch (CloacaException e) {
            throw errors.translate("Failed to get trigger schedule: ", e);
        }
    }

    @HostAccess.Export
    public void setTriggerEnabled(String name, boolean enabled) {
        try {
            runner.triggers().setEnabled(name, enabled);
        } catch (CloacaException e) {
            throw errors.raise("ValueError", "Failed to update trigger: " + e.getMessage());
        }
    }

    @HostAccess.Export
    public String triggerHistory(String name, int limit, int offset) {
        try {
            return WorkflowHandle.json(runner.triggers().history(name, limit, offset).stream()
                    .map(TriggerJson::execution).toList());
        } catch (CloacaException e) {
            throw errors.translate("Failed to get trigger execution history: ", e);
        }
    }

    /** A UTC timestamp as upstream (chrono's {@code to_rfc3339}) writes it. */
    static String rfc3339(Instant instant) {
        return Rfc3339.format(instant);
    }
}
