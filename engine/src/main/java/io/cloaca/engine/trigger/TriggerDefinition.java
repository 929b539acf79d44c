package io.cloaca.engine.trigger;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.cron.CronRule;

/**
 * A trigger as code defines it: which workflow it starts, when it is polled, and the poll itself.
 *
 * <pre>{@code
 * runner.triggers().register(TriggerDefinition.every("new_orders", "import_orders", "10s", false,
 *         () -> inbox.hasNext() ? TriggerResult.fire(Context.empty().set("order", inbox.next())) : TriggerResult.skip()));
 * }</pre>
 *
 * @param allowConcurrent whether a fire may start the workflow while an execution this trigger
 *                        started with the identical context is still running (default false: it is
 *                        not started again)
 */
public record TriggerDefinition(String name, String workflowName, TriggerTiming timing, boolean allowConcurrent,
                                TriggerPoll poll) {

    public TriggerDefinition {
        if (name == null || name.isBlank()) {
            throw CloacaException.invalidArgument("Trigger name must be a non-empty string, got "
                    + (name == null ? "null" : "'" + name + "'"));
        }
        if (workflowName == null || workflowName.isBlank()) {
            throw CloacaException.invalidArgument("Trigger '" + name + "' has no workflow: bind it to a registered"
                    + " workflow by name (Python: on='workflow_name' or @trigger('workflow_name'))");
        }
        if (timing == null) {
            throw CloacaException.invalidArgument("Trigger '" + name + "' has no timing: give a poll interval or a"
                    + " cron expression");
        }
        if (poll == null) {
            throw CloacaException.invalidArgument("Trigger '" + name + "' has no poll function");
        }
    }

    /**
     * A trigger polled every {@code pollInterval} ({@link TriggerTiming#ACCEPTED_INTERVALS}).
     *
     * @throws CloacaException INVALID_ARGUMENT naming the trigger and the value
     */
    public static TriggerDefinition every(String name, String workflowName, String pollInterval, boolean allowConcurrent,
                                          TriggerPoll poll) {
        try {
            return new TriggerDefinition(name, workflowName, TriggerTiming.parseInterval(pollInterval), allowConcurrent,
                    poll);
        } catch (CloacaException e) {
            throw named(name, e);
        }
    }

    /**
     * A trigger polled at the instants of {@code cronExpression} in IANA zone {@code timezone}.
     *
     * @throws CloacaException INVALID_ARGUMENT naming the trigger and the value
     */
    public static TriggerDefinition cron(String name, String workflowName, String cronExpression, String timezone,
                                         boolean allowConcurrent, TriggerPoll poll) {
        try {
            return new TriggerDefinition(name, workflowName, new TriggerTiming.AtCron(CronRule.parse(cronExpression,
                    timezone)), allowConcurrent, poll);
        } catch (CloacaException e) {
            throw named(name, e);
        }
    }

    private static CloacaException named(String name, CloacaException e) {
        return e.getMessage().startsWith("Trigger") ? e
                : CloacaException.invalidArgument("Trigger '" + name + "': " + e.getMessage());
    }

    /** The interval in milliseconds, or null for a cron trigger. */
    Long intervalMillis() {
        return timing instanceof TriggerTiming.Every every ? every.interval().toMillis() : null;
    }

    String cronExpression() {
        return timing instanceof TriggerTiming.AtCron at ? at.rule().expression() : null;
    }

    String timezone() {
        return timing instanceof TriggerTiming.AtCron at ? at.rule().timezone() : null;
    }
}
