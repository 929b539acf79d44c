package io.cloaca.engine.execution;

import java.time.Duration;

/**
 * Spaces out the rounds of a background loop that keeps failing (a dropped schema, a database that
 * stays away): each failure in a row doubles the number of ticks skipped before the next round, up to
 * about {@link #MAX_PAUSE} between rounds, so a fault that does not go away costs one logged failure
 * every ten seconds instead of one per poll interval, and the loop is back within ten seconds of the
 * fault's end. The first success ends the pause. Counted in
 * ticks, not read from a clock, so a slow round never makes the loop skip more than planned.
 */
final class FailureBackoff {

    /** About the longest pause between two rounds of a failing loop. */
    static final Duration MAX_PAUSE = Duration.ofSeconds(10);

    private final Duration interval;
    private final long maxSkip;
    private int inARow;
    private long toSkip;

    /** @param interval the loop's normal interval */
    FailureBackoff(Duration interval) {
        this.interval = interval;
        this.maxSkip = Math.max(0, MAX_PAUSE.toNanos() / Math.max(1, interval.toNanos()) - 1);
    }

    /** Whether the loop should run at this tick (false while a pause lasts). */
    synchronized boolean due() {
        if (toSkip > 0) {
            toSkip--;
            return false;
        }
        return true;
    }

    /**
     * Records a failed round.
     *
     * @return the pause before the next round
     */
    synchronized Duration failed() {
        inARow++;
        toSkip = Math.min((1L << Math.min(inARow, 40)) - 1, maxSkip);
        return interval.multipliedBy(toSkip + 1);
    }

    /** Failures in a row so far (0 after a success). */
    synchronized int failuresInARow() {
        return inARow;
    }

    /**
     * Records a successful round.
     *
     * @return how many failures in a row it ends (0 when the loop was not failing)
     */
    synchronized int succeeded() {
        int ended = inARow;
        inARow = 0;
        toSkip = 0;
        return ended;
    }
}
