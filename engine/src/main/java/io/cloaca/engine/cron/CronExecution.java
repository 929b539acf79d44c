package io.cloaca.engine.cron;

/**
 * The audit row of one claimed instant, written in the transaction that claimed it (and that created
 * its execution, when it started one). Times are epoch milliseconds (UTC).
 *
 * @param executionId     the execution it started, or null when it started none
 * @param outcome         what happened to the instant
 * @param detail          why it was skipped or failed, or null
 * @param executionStatus the execution's status now ({@code Running}, {@code Completed}, ...), or null
 */
public record CronExecution(String id, String scheduleId, long scheduledTime, long claimedAt, String claimedBy,
                            String executionId, Outcome outcome, String detail, long createdAt, long updatedAt,
                            String executionStatus) {

    /** What became of a claimed instant; stored by {@link #keyword()}. */
    public enum Outcome {
        /** Its execution was created (it may since have completed or failed: see the execution's status). */
        STARTED("started"),
        /** Missed while no runner was up, and not run by the schedule's catch-up policy. */
        SKIPPED("skipped"),
        /** No execution could be created, e.g. no runner had the workflow registered. */
        FAILED("failed");

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
            throw new IllegalStateException("Unknown cron outcome in the database: " + keyword);
        }
    }
}
