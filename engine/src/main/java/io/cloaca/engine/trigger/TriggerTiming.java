package io.cloaca.engine.trigger;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.cron.CronRule;

import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** When a trigger is polled: every fixed interval, or at the instants of a cron expression. */
public sealed interface TriggerTiming permits TriggerTiming.Every, TriggerTiming.AtCron {

    /** What {@link #parseInterval} accepts, for error messages. */
    String ACCEPTED_INTERVALS = "'<n>ms', '<n>s', '<n>m' or a bare '<n>' (seconds), e.g. '100ms', '5s', '2m'";

    /** The first poll time after a poll claimed at {@code now} that was due at {@code due}. */
    long nextAfter(long due, long now);

    /** Polled every {@code interval}. */
    record Every(Duration interval) implements TriggerTiming {
        public Every {
            if (interval == null || interval.isNegative() || interval.isZero()) {
                throw CloacaException.invalidArgument("poll interval must be positive, got " + interval);
            }
        }

        /**
         * One interval after the due time, so that late ticks do not slow the rate down; after a pause
         * (no runner up, the trigger disabled) one interval from now, never a burst of catch-up polls.
         */
        @Override
        public long nextAfter(long due, long now) {
            long next = due + interval.toMillis();
            return next > now ? next : now + interval.toMillis();
        }
    }

    /** Polled at each instant of a cron rule. */
    record AtCron(CronRule rule) implements TriggerTiming {
        @Override
        public long nextAfter(long due, long now) {
            Instant next = rule.nextAfter(Instant.ofEpochMilli(now));
            return next == null ? Long.MAX_VALUE : next.toEpochMilli();
        }
    }

    Pattern INTERVAL = Pattern.compile("\\s*(\\d+)\\s*(ms|s|m)?\\s*");

    /**
     * Parses upstream's interval strings.
     *
     * @throws CloacaException INVALID_ARGUMENT "Invalid poll_interval: Invalid duration: value (...)"
     *     naming the value and what is accepted, also for a zero interval
     */
    static Every parseInterval(String text) {
        Matcher m = text == null ? null : INTERVAL.matcher(text);
        if (m == null || !m.matches()) {
            throw CloacaException.invalidArgument("Invalid poll_interval: Invalid duration: " + text
                    + " (expected " + ACCEPTED_INTERVALS + ")");
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw CloacaException.invalidArgument("Invalid poll_interval: Invalid duration: " + text + " (too large)");
        }
        String unit = m.group(2) == null ? "s" : m.group(2);
        Duration d = switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofSeconds(n);
        };
        if (d.isZero()) {
            throw CloacaException.invalidArgument("Invalid poll_interval: Invalid duration: " + text
                    + " (must be positive; expected " + ACCEPTED_INTERVALS + ")");
        }
        return new Every(d);
    }
}
