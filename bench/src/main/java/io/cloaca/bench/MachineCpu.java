package io.cloaca.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time the whole machine spent working, from Linux's {@code /proc/stat}: user, nice, system, irq and
 * softirq time, not idle, I/O wait or time stolen by other guests. Machine-wide on purpose: a round's
 * work includes the database server's (PostgreSQL runs in processes of its own), and on a shared machine
 * it is the cores, not the wall clock, that a ratio to the raw baseline should be read against.
 */
final class MachineCpu {

    /** Linux reports {@code /proc/stat} in USER_HZ ticks, 100 per second on every common architecture. */
    private static final long NANOS_PER_TICK = 10_000_000L;

    private MachineCpu() {
    }

    /** Busy CPU time since boot summed over all cores, in nanoseconds; -1 where there is no {@code /proc/stat}. */
    static long busyNanos() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq steal ...
            long ticks = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                    + Long.parseLong(f[7]);
            return ticks * NANOS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Busy time between two {@link #busyNanos()} readings, or -1 if either was unavailable. */
    static long between(long before, long after) {
        return before < 0 || after < 0 ? -1 : after - before;
    }
}
