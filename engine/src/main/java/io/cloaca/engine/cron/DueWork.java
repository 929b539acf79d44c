package io.cloaca.engine.cron;

import java.time.Instant;
import java.util.Optional;

/**
 * Something with a next due time, served by a {@link TimedScheduler}: cron schedules today, event
 * triggers later. Both methods are called on the scheduler's thread (or a test's), never concurrently.
 */
public interface DueWork {

    /** The earliest instant at which {@link #runDue} has something to do, or empty if nothing is planned. */
    Optional<Instant> nextDue();

    /** Does everything due at {@code now}; returns how many items it handled. */
    int runDue(Instant now);
}
