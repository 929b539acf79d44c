package io.cloaca.engine.cron;

import io.cloaca.engine.CloacaException;

import java.time.Duration;

/**
 * A runner's cron settings.
 *
 * @param enabled       whether the runner fires schedules and accepts cron calls (default: true)
 * @param recheck       the longest the scheduler sleeps without looking at the database: it bounds how
 *                      late a schedule added or changed by another process is noticed. Schedules of this
 *                      runner wake it at once, and every schedule fires at its instant whatever this says
 *                      (Python: {@code cron_poll_interval_seconds}; default: 30 s)
 * @param maxCatchup    how many missed instants one catch-up runs or records (default: 100)
 * @param lostThreshold how long a due instant whose workflow no runner has registered waits before it
 *                      is recorded as failed and the schedule moves on (Python:
 *                      {@code cron_lost_threshold_minutes}; default: 10 min)
 */
public record CronConfig(boolean enabled, Duration recheck, int maxCatchup, Duration lostThreshold) {

    public static final Duration DEFAULT_RECHECK = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_CATCHUP = 100;
    public static final Duration DEFAULT_LOST_THRESHOLD = Duration.ofMinutes(10);
    public static final CronConfig DEFAULT = new CronConfig(true, DEFAULT_RECHECK, DEFAULT_MAX_CATCHUP,
            DEFAULT_LOST_THRESHOLD);
    public static final CronConfig DISABLED = new CronConfig(false, DEFAULT_RECHECK, DEFAULT_MAX_CATCHUP,
            DEFAULT_LOST_THRESHOLD);

    public CronConfig {
        if (recheck == null || recheck.isNegative() || recheck.isZero()) {
            throw CloacaException.invalidArgument("cron_poll_interval must be a positive duration, got " + recheck);
        }
        if (maxCatchup < 1) {
            throw CloacaException.invalidArgument("cron_max_catchup_executions must be at least 1, got " + maxCatchup);
        }
        if (lostThreshold == null || lostThreshold.isNegative()) {
            throw CloacaException.invalidArgument("cron_lost_threshold must not be negative, got " + lostThreshold);
        }
    }
}
