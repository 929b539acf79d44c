package io.cloaca.engine.retry;

import java.util.List;
import java.util.Locale;

/** Which failures are worth another attempt. */
public sealed interface RetryCondition {

    /**
     * Words that mark an error message as transient (upstream's executor list plus its value object's),
     * and "timed out", which the engine's own attempt timeout says: upstream treats timeouts as transient.
     */
    List<String> TRANSIENT_MARKERS = List.of("timeout", "timed out", "connection", "network", "temporary",
            "unavailable", "busy", "overloaded", "rate limit");

    boolean allows(String errorMessage);

    record Never() implements RetryCondition {
        @Override
        public boolean allows(String errorMessage) {
            return false;
        }
    }

    record AllErrors() implements RetryCondition {
        @Override
        public boolean allows(String errorMessage) {
            return true;
        }
    }

    /** Errors whose message names a timeout, a connection or network problem, or a busy service. */
    record TransientOnly() implements RetryCondition {
        @Override
        public boolean allows(String errorMessage) {
            return containsAny(errorMessage, TRANSIENT_MARKERS);
        }
    }

    /** Errors whose message contains one of the patterns, ignoring case. */
    record ErrorPattern(List<String> patterns) implements RetryCondition {
        public ErrorPattern {
            patterns = List.copyOf(patterns);
        }

        @Override
        public boolean allows(String errorMessage) {
            return containsAny(errorMessage, patterns);
        }
    }

    private static boolean containsAny(String message, List<String> needles) {
        String haystack = message == null ? "" : message.toLowerCase(Locale.ROOT);
        return needles.stream().anyMatch(n -> haystack.contains(n.toLowerCase(Locale.ROOT)));
    }
}
