package io.cloaca.engine.trigger;

import io.cloaca.engine.CloacaException;

import java.time.Duration;

/**
 * A runner's trigger settings.
 *
 * @param enabled     whether the runner polls the triggers defined in its process (Python:
 *                    {@code enable_trigger_scheduling}; default: true). The management calls work either way.
 * @param pollTimeout how long one poll may take before it is recorded as failed; the trigger is not
 *                    polled again until the blocked poll returns (Python: {@code trigger_poll_timeout_seconds};
 *                    default: 30 s, as upstream)
 */
public record TriggerConfig(boolean enabled, Duration pollTimeout) {

    public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofSeconds(30);
    public static final TriggerConfig DEFAULT = new TriggerConfig(true, DEFAULT_POLL_TIMEOUT);

    public TriggerConfig {
        if (pollTimeout == null || pollTimeout.isNegative() || pollTimeout.isZero()) {
            throw CloacaException.invalidArgument("trigger_poll_timeout must be a positive duration, got " + pollTimeout);
        }
    }
}
