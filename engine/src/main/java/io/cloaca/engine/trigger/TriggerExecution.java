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

    /** What a recorded poll did; stored by {@link #keyword()}. */
    public enum Outcome {
        /** It answered Fire and its execution was created. */
        FIRED("fired"),
        /** It raised, returned something other than a TriggerResult, timed out, or its workflow is unknown. */
        ERROR("error");

        private final String keyword;

        Outcome(String keyword) {
            this.keyword = keyword;
        }

        public String keyword() {
            return keyword;
        }

        static Outcome of(String keyword) {
            for (Outcome o : values()) {
                if (o.keyword.equals(keyword)) {
                    return o;
                }
            }
            throw new IllegalStateException("Unknown trigger outcome in the database: " + keyword);
        }
    }
}
