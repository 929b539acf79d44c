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
 * advancing the clock past it instead of waiting; cron tests set it to the instants they check.
 */
public final class SettableClock extends Clock {

    private final AtomicLong millis;

    /** Starts at the current time, so that rows it stamps sort with rows stamped by other clocks. */
    public SettableClock() {
        this(Instant.now());
    }

    public SettableClock(Instant start) {
        this.millis = new AtomicLong(start.toEpochMilli());
    }

    public void set(Instant instant) {
        millis.set(instant.toEpochMilli());
    }

    public void advance(Duration by) {
        millis.addAndGet(by.toMillis());
    }

    @Override
    public long millis() {
        return millis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis.get());
    }

    /** Always UTC: the engine stores epoch milliseconds and reads zones from its schedules. */
    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
