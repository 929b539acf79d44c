package io.cloaca.engine.execution;

import io.cloaca.engine.CloacaException;

import java.time.Duration;

/**
 * How a runner behaves. Immutable; build with {@link #builder()}, which validates each value and names
 * the property it rejects.
 *
 * @param maxConcurrentTasks tasks run at once by this runner's workers (default: 4)
 * @param taskTimeout        limit of one attempt; on expiry the attempt is failed (and maybe retried) even
 *                           though a Python body cannot be stopped (default: 300 s)
 * @param executionTimeout   how long {@code execute} waits; null waits forever (default: 3600 s)
 * @param dbPoolSize         connections in the pool (default: 10)
 * @param sqliteDurable      SQLite {@code synchronous=FULL} (true) or {@code NORMAL} (default: true)
 * @param leaseDuration      how long a claim stays valid (default: 60 s)
 */
public record RunnerConfig(int maxConcurrentTasks, Duration taskTimeout, Duration executionTimeout, int dbPoolSize,
                           boolean sqliteDurable, Duration leaseDuration) {

    public static final int DEFAULT_MAX_CONCURRENT_TASKS = 4;
    public static final Duration DEFAULT_TASK_TIMEOUT = Duration.ofSeconds(300);
    public static final Duration DEFAULT_EXECUTION_TIMEOUT = Duration.ofSeconds(3600);
    public static final int DEFAULT_DB_POOL_SIZE = 10;
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(60);

    public static final RunnerConfig DEFAULT = builder().build();

    public RunnerConfig {
        positive("max_concurrent_tasks", maxConcurrentTasks);
        positive("db_pool_size", dbPoolSize);
        positive("task_timeout_seconds", taskTimeout);
        if (executionTimeout != null) {
            positive("pipeline_timeout_seconds", executionTimeout);
        }
        positive("lease_duration", leaseDuration);
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
        return millis % 1000 == 0 ? millis / 1000 + "s" : java.math.BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString() + "s";
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Setters bear the property's name; {@link #build()} validates. */
    public static final class Builder {
        private int maxConcurrentTasks = DEFAULT_MAX_CONCURRENT_TASKS;
        private Duration taskTimeout = DEFAULT_TASK_TIMEOUT;
        private Duration executionTimeout = DEFAULT_EXECUTION_TIMEOUT;
        private int dbPoolSize = DEFAULT_DB_POOL_SIZE;
        private boolean sqliteDurable = true;
        private Duration leaseDuration = DEFAULT_LEASE;

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

        public RunnerConfig build() {
            return new RunnerConfig(maxConcurrentTasks, taskTimeout, executionTimeout, dbPoolSize, sqliteDurable,
                    leaseDuration);
        }
    }
}
