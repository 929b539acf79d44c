package io.cloaca.engine.retry;

import io.cloaca.engine.CloacaException;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When and how often a failed task runs again.
 *
 * @param maxAttempts total executions, the first included: 0 and 1 both mean "never retry"
 * @param backoff     how the delay grows
 * @param initialDelay delay before the first retry, before backoff
 * @param maxDelay    cap applied before jitter, so a jittered delay may exceed it by up to 25 %
 * @param jitter      multiply each delay by a uniform factor in [0.75, 1.25]
 * @param condition   which errors are retried
 */
public record RetryPolicy(int maxAttempts, BackoffStrategy backoff, Duration initialDelay, Duration maxDelay,
                          boolean jitter, RetryCondition condition) {

    /** Upstream's default: 3 attempts, exponential base 2 from 1 s, capped at 60 s, with jitter, on all errors. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(3, new BackoffStrategy.Exponential(2.0, 1.0),
            Duration.ofSeconds(1), Duration.ofSeconds(60), true, new RetryCondition.AllErrors());

    /** One attempt, no retry. */
    public static final RetryPolicy NONE = new RetryPolicy(1, new BackoffStrategy.Fixed(), Duration.ZERO,
            Duration.ZERO, false, new RetryCondition.Never());

    public RetryPolicy {
        if (maxAttempts < 0) {
            throw CloacaException.invalidArgument("max_attempts must be >= 0, got " + maxAttempts);
        }
        if (initialDelay.isNegative() || maxDelay.isNegative()) {
            throw CloacaException.invalidArgument("retry delays must not be negative");
        }
    }

    /** Whether attempt {@code attempt} (1-based) having failed with {@code error} earns another one. */
    public boolean shouldRetry(int attempt, String error) {
        return attempt < maxAttempts && condition.allows(error);
    }

    /** The delay before the attempt after {@code attempt}, cap then jitter applied. */
    public Duration delayAfter(int attempt) {
        Duration raw = backoff.delay(initialDelay, attempt);
        Duration capped = raw.compareTo(maxDelay) > 0 ? maxDelay : raw;
        if (!jitter) {
            return capped;
        }
        double factor = 0.75 + ThreadLocalRandom.current().nextDouble() * 0.5;
        return Duration.ofNanos((long) (capped.toNanos() * factor));
    }
}
