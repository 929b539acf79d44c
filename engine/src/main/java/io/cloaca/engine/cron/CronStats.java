package io.cloaca.engine.cron;

/**
 * Counts over the audit rows claimed since a given time.
 *
 * @param total      every claimed instant, skipped ones included
 * @param successful instants whose execution exists
 * @param lost       instants that started no execution (skipped or failed)
 */
public record CronStats(long total, long successful, long lost) {

    /** {@code successful / total} as a percentage from 0 to 100; 0 when there were none. */
    public double successRate() {
        return total == 0 ? 0.0 : successful * 100.0 / total;
    }
}
