package io.cloaca.engine.trigger;

/**
 * One history row of a trigger: a poll that fired, or one that failed. Polls that skipped are not
 * recorded (a 100 ms trigger would write ten rows a second). Times are epoch milliseconds (UTC).
 *
 * @param contextHash     the fingerprint of the fired context ({@code fire_no_context} without one), or null
 * @param executionId     the execution it started, or null
 * @param detail          why it failed, or null
 * @param completedAt     when the started execution ended, or null
 * @param executionStatus the started execution's status now, or null
 */
public record TriggerExecution(String id, String triggerName, String contextHash, String executionId, Outcome outcome,
                               String detail, long polledAt, String polledBy, Long completedAt, long createdAt,
                               String executionStatus) {

    /** What a recorded poll did; stored by {@link #keyword()}, its name in lower case. */
    public enum Outcome {
        /** It answered Fire and its execution was created. */
        FIRED,
        /** It raised, returned something other than a TriggerResult, timed out, or its workflow is unknown. */
        ERROR;

        public String keyword() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        static Outcome of(String keyword) {
            return valueOf(keyword.toUpperCase(java.util.Locale.ROOT)); // the table's CHECK admits no other value
        }
    }
}
