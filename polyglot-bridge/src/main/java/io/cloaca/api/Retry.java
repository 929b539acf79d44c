package io.cloaca.api;

import java.time.Duration;
import java.util.Objects;

/**
 * How often a failed task runs again, and after what delay. Immutable.
 *
 * @param maxAttempts  runs in all, the first included; 1 never retries
 * @param initialDelay delay before the first retry
 * @param maxDelay     the longest delay between two attempts
 * @param exponential  whether the delay doubles after each failed attempt, each delay varied by up to 25 % so
 *                     that retries of many tasks spread out (else it stays {@code initialDelay})
 */
public record Retry(int maxAttempts, Duration initialDelay, Duration maxDelay, boolean exponential) {

    /** Three attempts, 1 s then 2 s apart, at most 60 s. */
    public static final Retry DEFAULT = new Retry(3, Duration.ofSeconds(1), Duration.ofSeconds(60), true);

    /** One attempt only. */
    public static final Retry NONE = new Retry(1, Duration.ZERO, Duration.ZERO, false);

    /**
     * @throws NullPointerException     if a delay is null
     * @throws IllegalArgumentException if {@code maxAttempts} is below 1 or a delay negative
     */
    public Retry {
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1 (1 never retries), got " + maxAttempts);
        }
        if (initialDelay.isNegative() || maxDelay.isNegative()) {
            throw new IllegalArgumentException("Retry delays must not be negative, got initialDelay " + initialDelay
                    + " and maxDelay " + maxDelay);
        }
    }

    /** {@code maxAttempts} runs in all, {@code delay} apart. */
    public static Retry fixed(int maxAttempts, Duration delay) {
        return new Retry(maxAttempts, delay, delay, false);
    }

    /** {@code maxAttempts} runs in all, the delay doubling from {@code initialDelay} up to {@code maxDelay}. */
    public static Retry exponential(int maxAttempts, Duration initialDelay, Duration maxDelay) {
        return new Retry(maxAttempts, initialDelay, maxDelay, true);
    }
}
