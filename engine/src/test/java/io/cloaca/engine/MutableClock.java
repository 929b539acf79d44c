package io.cloaca.engine;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that stands still until a test moves it. Given to a runner (through a {@code RunnerFactory}),
 * it also moves the database time that leases are measured on, so a test makes a lease expire by
 * advancing the clock past it instead of waiting.
 */
public final class MutableClock extends Clock {

    private final AtomicLong millis;

    /** Starts at the current time, so that rows it stamps sort with rows stamped by other clocks. */
    public MutableClock() {
        this.millis = new AtomicLong(System.currentTimeMillis());
    }

    public void advance(Duration duration) {
        millis.addAndGet(duration.toMillis());
    }

    @Override
    public long millis() {
        return millis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis.get());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("a MutableClock is always UTC");
    }
}
