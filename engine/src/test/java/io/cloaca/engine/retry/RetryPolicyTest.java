package io.cloaca.engine.retry;

import io.cloaca.engine.CloacaException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.cloaca.engine.TestSupport.assertCloaca;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Retry decisions and delay formulas (reference §2.5). */
class RetryPolicyTest {

    private static final Duration MS_100 = Duration.ofMillis(100);
    private static final Duration HOUR = Duration.ofHours(1);

    private static RetryPolicy policy(int attempts, BackoffStrategy backoff, Duration initial, Duration max,
                                      boolean jitter) {
        return new RetryPolicy(attempts, backoff, initial, max, jitter, new RetryCondition.AllErrors());
    }

    private static RetryPolicy withCondition(RetryCondition condition) {
        return new RetryPolicy(5, new BackoffStrategy.Fixed(), MS_100, MS_100, false, condition);
    }

    // ---- how many attempts ------------------------------------------------------------------------

    @Test
    void max_attempts_counts_total_executions_so_the_last_one_is_never_retried() {
        RetryPolicy three = policy(3, new BackoffStrategy.Fixed(), MS_100, MS_100, false);
        assertTrue(three.shouldRetry(1, "boom"));
        assertTrue(three.shouldRetry(2, "boom"));
        assertFalse(three.shouldRetry(3, "boom"));
    }

    @Test
    void zero_and_one_max_attempts_both_mean_no_retry() {
        assertFalse(policy(0, new BackoffStrategy.Fixed(), MS_100, MS_100, false).shouldRetry(1, "boom"));
        assertFalse(policy(1, new BackoffStrategy.Fixed(), MS_100, MS_100, false).shouldRetry(1, "boom"));
    }

    @Test
    void negative_max_attempts_or_delays_are_rejected() {
        assertCloaca(CloacaException.Kind.INVALID_ARGUMENT,
                () -> policy(-1, new BackoffStrategy.Fixed(), MS_100, MS_100, false));
        assertCloaca(CloacaException.Kind.INVALID_ARGUMENT,
                () -> policy(3, new BackoffStrategy.Fixed(), Duration.ofMillis(-1), MS_100, false));
    }

    @Test
    void the_default_policy_is_three_attempts_exponential_from_one_second_with_jitter() {
        RetryPolicy p = RetryPolicy.DEFAULT;
        assertEquals(3, p.maxAttempts());
        assertEquals(new BackoffStrategy.Exponential(2.0, 1.0), p.backoff());
        assertEquals(Duration.ofSeconds(1), p.initialDelay());
        assertEquals(Duration.ofSeconds(60), p.maxDelay());
        assertTrue(p.jitter());
        assertEquals(new RetryCondition.AllErrors(), p.condition());
    }

    // ---- which errors -----------------------------------------------------------------------------

    @Test
    void never_refuses_every_error_and_all_errors_accepts_every_error() {
        assertFalse(withCondition(new RetryCondition.Never()).shouldRetry(1, "connection refused"));
        assertTrue(withCondition(new RetryCondition.AllErrors()).shouldRetry(1, "ValueError: bad input"));
    }

    @Test
    void an_error_pattern_matches_a_substring_ignoring_case() {
        RetryPolicy p = withCondition(new RetryCondition.ErrorPattern(List.of("Rate Limited", "503")));
        assertTrue(p.shouldRetry(1, "HTTPError: RATE LIMITED by upstream"));
        assertTrue(p.shouldRetry(1, "status 503"));
        assertFalse(p.shouldRetry(1, "status 500"));
        assertFalse(p.shouldRetry(1, null));
    }

    @Test
    void transient_only_accepts_timeouts_connection_and_busy_errors() {
        RetryPolicy p = withCondition(new RetryCondition.TransientOnly());
        for (String error : List.of("ConnectionError: Network timeout while reading", "connection refused",
                "Temporary failure in name resolution", "Service Unavailable", "database is busy",
                "server overloaded", "Rate limit exceeded", "Task timed out after 1s")) {
            assertTrue(p.shouldRetry(1, error), error);
        }
        for (String error : List.of("ValueError: invalid literal", "KeyError: 'x'", "")) {
            assertFalse(p.shouldRetry(1, error), error);
        }
    }

    @Test
    void a_matching_condition_still_stops_at_max_attempts() {
        RetryPolicy p = new RetryPolicy(2, new BackoffStrategy.Fixed(), MS_100, MS_100, false,
                new RetryCondition.TransientOnly());
        assertTrue(p.shouldRetry(1, "timeout"));
        assertFalse(p.shouldRetry(2, "timeout"));
    }

    // ---- delays -----------------------------------------------------------------------------------

    @Test
    void fixed_backoff_always_waits_the_initial_delay() {
        RetryPolicy p = policy(10, new BackoffStrategy.Fixed(), MS_100, HOUR, false);
        for (int attempt = 1; attempt <= 5; attempt++) {
            assertEquals(MS_100, p.delayAfter(attempt));
        }
    }

    @Test
    void linear_backoff_is_initial_times_attempt_times_multiplier() {
        RetryPolicy p = policy(10, new BackoffStrategy.Linear(1.5), MS_100, HOUR, false);
        assertEquals(Duration.ofMillis(150), p.delayAfter(1));
        assertEquals(Duration.ofMillis(300), p.delayAfter(2));
        assertEquals(Duration.ofMillis(600), p.delayAfter(4));
    }

    @Test
    void exponential_backoff_is_initial_times_multiplier_times_base_to_the_attempt_minus_one() {
        RetryPolicy p = policy(10, new BackoffStrategy.Exponential(2.0, 3.0), MS_100, HOUR, false);
        assertEquals(Duration.ofMillis(300), p.delayAfter(1));
        assertEquals(Duration.ofMillis(600), p.delayAfter(2));
        assertEquals(Duration.ofMillis(1200), p.delayAfter(3));
        assertEquals(Duration.ofMillis(2400), p.delayAfter(4));
    }

    @Test
    void the_default_policy_without_jitter_waits_one_then_two_seconds() {
        RetryPolicy p = policy(3, RetryPolicy.DEFAULT.backoff(), Duration.ofSeconds(1), Duration.ofSeconds(60), false);
        assertEquals(Duration.ofSeconds(1), p.delayAfter(1));
        assertEquals(Duration.ofSeconds(2), p.delayAfter(2));
    }

    @Test
    void delays_are_capped_at_max_delay() {
        RetryPolicy p = policy(50, new BackoffStrategy.Exponential(2.0, 1.0), Duration.ofSeconds(1),
                Duration.ofSeconds(60), false);
        assertEquals(Duration.ofSeconds(32), p.delayAfter(6));
        assertEquals(Duration.ofSeconds(60), p.delayAfter(7));
        assertEquals(Duration.ofSeconds(60), p.delayAfter(40));
    }

    @Test
    void a_huge_exponent_saturates_instead_of_overflowing_and_is_still_capped() {
        RetryPolicy p = policy(5000, new BackoffStrategy.Exponential(10.0, 1.0), Duration.ofSeconds(1),
                Duration.ofSeconds(60), false);
        assertEquals(Duration.ofSeconds(60), p.delayAfter(4000));
    }

    @Test
    void jitter_is_applied_after_the_cap_within_three_quarters_and_five_quarters() {
        Duration cap = Duration.ofSeconds(60);
        RetryPolicy p = policy(50, new BackoffStrategy.Exponential(2.0, 1.0), Duration.ofSeconds(1), cap, true);
        long low = cap.toNanos() * 3 / 4;
        long high = cap.toNanos() * 5 / 4;
        boolean sawAboveCap = false;
        boolean sawBelowCap = false;
        for (int i = 0; i < 500; i++) {
            long d = p.delayAfter(20).toNanos();
            assertTrue(d >= low && d <= high, "jittered delay " + d + " outside [0.75, 1.25] x cap");
            sawAboveCap |= d > cap.toNanos();
            sawBelowCap |= d < cap.toNanos();
        }
        // 500 uniform draws all on one side of the midpoint has probability 2^-499.
        assertTrue(sawAboveCap, "cap then jitter: a jittered delay may exceed max_delay");
        assertTrue(sawBelowCap);
    }

    @Test
    void jitter_on_an_uncapped_delay_stays_within_a_quarter_of_it() {
        RetryPolicy p = policy(10, new BackoffStrategy.Linear(1.0), MS_100, HOUR, true);
        for (int i = 0; i < 200; i++) {
            long d = p.delayAfter(2).toNanos();
            assertTrue(d >= Duration.ofMillis(150).toNanos() && d <= Duration.ofMillis(250).toNanos(), "delay " + d);
        }
    }
}
