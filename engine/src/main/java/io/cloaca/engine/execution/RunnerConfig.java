package io.cloaca.engine.execution;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.cron.CronConfig;
import io.cloaca.engine.trigger.TriggerConfig;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * How a runner behaves. Immutable; build with {@link #builder()}, which validates each value and names
 * the property it rejects. The defaults here are the only ones: the Python {@code DefaultRunnerConfig}
 * reads them too.
 *
 * @param maxConcurrentTasks tasks run at once by this runner's workers, not counting deferred ones (default: 4)
 * @param taskTimeout        limit of one attempt; on expiry the attempt is failed (and maybe retried), and a
 *                           Java body's thread is interrupted; a Python body cannot be stopped (default: 300 s)
 * @param executionTimeout   how long {@code execute} waits; null waits forever (default: 3600 s)
 * @param dbPoolSize         connections in the pool (default: 10)
 * @param sqliteDurable      SQLite {@code synchronous=FULL} (true) or {@code NORMAL} (default: true)
 * @param leaseDuration      how long a claim stays valid without a heartbeat; a task whose lease has
 *                           expired is presumed orphaned and made ready again (default: 60 s)
 * @param heartbeatInterval  how often a runner renews the leases of the tasks it runs (default: 10 s)
 * @param sweepInterval      how often a runner looks for expired leases (default: 30 s)
 * @param pollInterval       how often a runner looks for ready work it did not create: other runners'
 *                           executions, recovered tasks, due retries; backs off to 16 times this when
 *                           idle (default: 100 ms, as upstream's {@code executor_poll_interval_ms})
 * @param maxRecoveries      how many times an orphaned task is made ready again before it is abandoned
 *                           as Failed (default: 3)
 * @param shutdownGrace      how long shutdown lets running tasks finish, shorter than the lease (default: 5 s)
 * @param claimAhead         how much of its own work a runner claims as it creates executions, measured in
 *                           the time its workers recently took per task: roots beyond that (and beyond its
 *                           free workers plus one task per worker) are left Ready for any runner of the
 *                           database; zero keeps to that count. A claimed root that no worker has
 *                           started a heartbeat interval after its claim is given back (default: 1 s)
 * @param cron               cron scheduling: on or off, catch-up bound, ... (default: {@link CronConfig#DEFAULT})
 * @param triggers           event triggers: polled or not, poll timeout (default: {@link TriggerConfig#DEFAULT})
 */
public record RunnerConfig(int maxConcurrentTasks, Duration taskTimeout, Duration executionTimeout, int dbPoolSize,
                           boolean sqliteDurable, Duration leaseDuration, Duration heartbeatInterval,
                           Duration sweepInterval, Duration pollInterval, int maxRecoveries, Duration shutdownGrace,
                           Duration claimAhead, CronConfig cron, TriggerConfig triggers) {

    public static final int DEFAULT_MAX_CONCURRENT_TASKS = 4;
    public static final Duration DEFAULT_TASK_TIMEOUT = Duration.ofSeconds(300);
    public static final Duration DEFAULT_EXECUTION_TIMEOUT = Duration.ofSeconds(3600);
    public static final int DEFAULT_DB_POOL_SIZE = 10;
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(60);
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_SWEEP = Duration.ofSeconds(30);
    public static final Duration DEFAULT_POLL = Duration.ofMillis(100);
    public static final int DEFAULT_MAX_RECOVERIES = 3;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(5);
    public static final Duration DEFAULT_CLAIM_AHEAD = Duration.ofSeconds(1);

    public static final RunnerConfig DEFAULT = builder().build();

    public RunnerConfig {
        positive("max_concurrent_tasks", maxConcurrentTasks);
        positive("db_pool_size", dbPoolSize);
        positive("task_timeout_seconds", taskTimeout);
        if (executionTimeout != null) {
            positive("pipeline_timeout_seconds", executionTimeout);
        }
        positive("lease_duration", leaseDuration);
        positive("heartbeat_interval", heartbeatInterval);
        positive("sweep_interval", sweepInterval);
        positive("poll_interval", pollInterval);
        if (maxRecoveries < 0) {
            throw CloacaException.invalidArgument("max_recoveries must not be negative, got " + maxRecoveries);
        }
        if (shutdownGrace == null || shutdownGrace.isNegative()) {
            throw CloacaException.invalidArgument("shutdown_grace must not be negative, got " + shutdownGrace);
        }
        if (claimAhead == null || claimAhead.isNegative()) {
            throw CloacaException.invalidArgument("claim_ahead must not be negative, got " + claimAhead);
        }
        if (cron == null) {
            throw CloacaException.invalidArgument("cron must not be null; use CronConfig.DISABLED to turn cron off");
        }
        if (triggers == null) {
            throw CloacaException.invalidArgument("triggers must not be null; use TriggerConfig.DEFAULT");
        }
        if (heartbeatInterval.compareTo(leaseDuration) >= 0) {
            throw CloacaException.invalidArgument("heartbeat_interval (heartbeat_interval_seconds, "
                    + seconds(heartbeatInterval) + ") must be shorter than lease_duration (stale_claim_threshold_seconds, "
                    + seconds(leaseDuration)
                    + "), or leases expire between heartbeats");
        }
        if (shutdownGrace.compareTo(leaseDuration) >= 0) {
            throw CloacaException.invalidArgument("shutdown_grace (shutdown_timeout_seconds, " + seconds(shutdownGrace)
                    + ") must be shorter than lease_duration (stale_claim_threshold_seconds, " + seconds(leaseDuration)
                    + "), or a task still draining at shutdown could be recovered and run again elsewhere");
        }
    }

    private static void positive(String name, long value) {
        if (value < 1) {
            throw CloacaException.invalidArgument(name + " must be at least 1, got " + value);
        }
    }

    private static void positive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw CloacaException.invalidArgument(name + " must be a positive duration, got " + value);
        }
    }

    /** {@code 300s}, {@code 0.2s}: whole seconds when exact, as messages quote timeouts. */
    public static String seconds(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s"
                : BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString() + "s";
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxConcurrentTasks = maxConcurrentTasks;
        b.taskTimeout = taskTimeout;
        b.executionTimeout = executionTimeout;
        b.dbPoolSize = dbPoolSize;
        b.sqliteDurable = sqliteDurable;
        b.leaseDuration = leaseDuration;
        b.heartbeatInterval = heartbeatInterval;
        b.sweepInterval = sweepInterval;
        b.pollInterval = pollInterval;
        b.maxRecoveries = maxRecoveries;
        b.shutdownGrace = shutdownGrace;
        b.claimAhead = claimAhead;
        b.cron = cron;
        b.triggers = triggers;
        return b;
    }

    /** Setters bear the property's name; {@link #build()} validates. */
    public static final class Builder {
        private int maxConcurrentTasks = DEFAULT_MAX_CONCURRENT_TASKS;
        private Duration taskTimeout = DEFAULT_TASK_TIMEOUT;
        private Duration executionTimeout = DEFAULT_EXECUTION_TIMEOUT;
        private int dbPoolSize = DEFAULT_DB_POOL_SIZE;
        private boolean sqliteDurable = true;
        private Duration leaseDuration = DEFAULT_LEASE;
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT;
        private Duration sweepInterval = DEFAULT_SWEEP;
        private Duration pollInterval = DEFAULT_POLL;
        private int maxRecoveries = DEFAULT_MAX_RECOVERIES;
        private Duration shutdownGrace = DEFAULT_SHUTDOWN_GRACE;
        private Duration claimAhead = DEFAULT_CLAIM_AHEAD;
        private CronConfig cron = CronConfig.DEFAULT;
        private TriggerConfig triggers = TriggerConfig.DEFAULT;

        public Builder maxConcurrentTasks(int value) {
            this.maxConcurrentTasks = value;
            return this;
        }

        public Builder taskTimeout(Duration value) {
            this.taskTimeout = value;
            return this;
        }

        /** Null waits forever. */
        public Builder executionTimeout(Duration value) {
            this.executionTimeout = value;
            return this;
        }

        public Builder dbPoolSize(int value) {
            this.dbPoolSize = value;
            return this;
        }

        public Builder sqliteDurable(boolean value) {
            this.sqliteDurable = value;
            return this;
        }

        public Builder leaseDuration(Duration value) {
            this.leaseDuration = value;
            return this;
        }

        public Builder heartbeatInterval(Duration value) {
            this.heartbeatInterval = value;
            return this;
        }

        public Builder sweepInterval(Duration value) {
            this.sweepInterval = value;
            return this;
        }

        public Builder pollInterval(Duration value) {
            this.pollInterval = value;
            return this;
        }

        public Builder maxRecoveries(int value) {
            this.maxRecoveries = value;
            return this;
        }

        public Builder shutdownGrace(Duration value) {
            this.shutdownGrace = value;
            return this;
        }

        public Builder claimAhead(Duration value) {
            this.claimAhead = value;
            return this;
        }

        public Builder cron(CronConfig value) {
            this.cron = value;
            return this;
        }

        public Builder triggers(TriggerConfig value) {
            this.triggers = value;
            return this;
        }

        public RunnerConfig build() {
            return new RunnerConfig(maxConcurrentTasks, taskTimeout, executionTimeout, dbPoolSize, sqliteDurable,
                    leaseDuration, heartbeatInterval, sweepInterval, pollInterval, maxRecoveries, shutdownGrace,
                    claimAhead, cron, triggers);
        }
    }
}
