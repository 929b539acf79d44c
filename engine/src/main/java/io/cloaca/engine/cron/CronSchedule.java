package io.cloaca.engine.cron;

/**
 * A stored schedule. Times are epoch milliseconds (UTC).
 *
 * @param nextRunAt the next instant to fire; the scheduler sleeps until the earliest of these
 * @param lastRunAt when an instant of it was last claimed, or null
 */
public record CronSchedule(String id, String workflowName, String cronExpression, String timezone, boolean enabled,
                           CatchupPolicy catchupPolicy, long nextRunAt, Long lastRunAt, long createdAt,
                           long updatedAt) {

    /** The expression and zone, parsed. */
    public CronRule rule() {
        return CronRule.parse(cronExpression, timezone);
    }
}
