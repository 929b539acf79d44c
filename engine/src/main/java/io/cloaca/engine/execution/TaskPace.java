package io.cloaca.engine.execution;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How long a runner's worker has recently spent on one task, body and transactions together: a moving
 * average over about the last twenty tasks. It turns a span of time into a number of tasks, so that the
 * work a runner claims ahead of its workers can be bounded by how long they will take to reach it rather
 * than by a count that is far too small for millisecond tasks and far too large for minute-long ones.
 */
final class TaskPace {

    /** Weight of the newest task in the average. */
    private static final double WEIGHT = 0.05;

    /** The average in nanoseconds; 0 before the first task. */
    private final AtomicLong nanosPerTask = new AtomicLong();

    /** Adds one task that took {@code nanos} from its claim being taken up to its outcome being recorded. */
    void record(long nanos) {
        long taken = Math.max(1, nanos);
        nanosPerTask.getAndUpdate(mean -> mean == 0 ? taken : Math.max(1, Math.round(mean + WEIGHT * (taken - mean))));
    }

    /** How many tasks {@code workers} workers get through in {@code span} at this pace; 0 before any task. */
    int tasksWithin(Duration span, int workers) {
        long mean = nanosPerTask.get();
        if (mean == 0) {
            return 0;
        }
        return (int) Math.min(Integer.MAX_VALUE, (double) span.toNanos() * workers / mean);
    }
}
