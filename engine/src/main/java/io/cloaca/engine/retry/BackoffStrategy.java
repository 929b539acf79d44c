package io.cloaca.engine.retry;

import java.time.Duration;

/** How the delay before a retry grows with the attempt number. */
public sealed interface BackoffStrategy {

    /** The delay after failed attempt {@code attempt} (1-based), before the cap and jitter. */
    Duration delay(Duration initial, int attempt);

    /** Always the initial delay. */
    record Fixed() implements BackoffStrategy {
        @Override
        public Duration delay(Duration initial, int attempt) {
            return initial;
        }
    }

    /** {@code initial × attempt × multiplier}. */
    record Linear(double multiplier) implements BackoffStrategy {
        @Override
        public Duration delay(Duration initial, int attempt) {
            return scale(initial, attempt * multiplier);
        }
    }

    /** {@code initial × multiplier × base^(attempt-1)}. */
    record Exponential(double base, double multiplier) implements BackoffStrategy {
        @Override
        public Duration delay(Duration initial, int attempt) {
            return scale(initial, multiplier * Math.pow(base, attempt - 1));
        }
    }

    private static Duration scale(Duration initial, double factor) {
        double nanos = initial.toNanos() * factor;
        return nanos >= Long.MAX_VALUE ? Duration.ofNanos(Long.MAX_VALUE) : Duration.ofNanos((long) nanos);
    }
}
