package io.cloaca.engine.trigger;

/**
 * A trigger's row, shared by every process on the database. Times are epoch milliseconds (UTC).
 *
 * @param pollIntervalMs the interval, or null for a cron trigger
 * @param cronExpression the cron expression, or null for an interval trigger
 * @param timezone       the cron expression's zone, or null
 * @param nextPollAt     when it is next due; the process that moves it on polls
 * @param lastPollAt     when it was last claimed for a poll, or null
 */
public record TriggerSchedule(String id, String triggerName, String workflowName, Long pollIntervalMs,
                              String cronExpression, String timezone, boolean allowConcurrent, boolean enabled,
                              long nextPollAt, Long lastPollAt, long createdAt, long updatedAt) {
}
