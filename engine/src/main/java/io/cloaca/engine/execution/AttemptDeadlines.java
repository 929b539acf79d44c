package io.cloaca.engine.execution;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The timeout watchdogs of running attempts, on one timer. A watchdog scheduled and cancelled per
 * attempt woke the timer's thread for nearly every attempt: a short attempt empties its queue, so the
 * next watchdog becomes the queue's head and the thread is signalled to wait for it. Here an attempt
 * adds its deadline to a set, and the timer is re-armed only for a deadline earlier than the one it is
 * armed for; an attempt that ends removes its deadline and leaves the timer alone, which then wakes at
 * most once at a deadline that has gone and re-arms for the earliest left.
 */
final class AttemptDeadlines {

    private static final Logger LOG = LoggerFactory.getLogger(AttemptDeadlines.class);

    /** A deadline in the set; {@link #cancel} it when the attempt ends in time. */
    final class Deadline {
        private final long at;
        private final long sequence;
        private final Runnable onExpiry;

        private Deadline(long at, long sequence, Runnable onExpiry) {
            this.at = at;
            this.sequence = sequence;
            this.onExpiry = onExpiry;
        }

        /** Withdraws the deadline; no effect once it has expired. */
        void cancel() {
            synchronized (AttemptDeadlines.this) {
                pending.remove(this);
            }
        }
    }

    private final ScheduledExecutorService timer;
    private final LongSupplier nanoTime;
    private final TreeSet<Deadline> pending = new TreeSet<>(
            Comparator.comparingLong((Deadline d) -> d.at).thenComparingLong(d -> d.sequence));
    private long sequence;
    /** The deadline the timer is armed for, or {@link Long#MAX_VALUE} when it is not armed. */
    private long armedAt = Long.MAX_VALUE;
    private ScheduledFuture<?> armed;

    /**
     * @param timer    runs the expiries (on its own thread: an expiry records the attempt's timeout)
     * @param nanoTime the time deadlines are measured on ({@code System::nanoTime} outside tests)
     */
    AttemptDeadlines(ScheduledExecutorService timer, LongSupplier nanoTime) {
        this.timer = timer;
        this.nanoTime = nanoTime;
    }

    /** Runs {@code onExpiry} on the timer's thread {@code timeoutMillis} from now, unless cancelled first. */
    synchronized Deadline add(long timeoutMillis, Runnable onExpiry) {
        Deadline deadline = new Deadline(nanoTime.getAsLong() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis),
                sequence++, onExpiry);
        pending.add(deadline);
        if (deadline.at < armedAt) {
            arm(deadline.at);
        }
        return deadline;
    }

    /** Deadlines not yet expired nor cancelled (for tests). */
    synchronized int pending() {
        return pending.size();
    }

    /** Runs the expiries that are due, then arms the timer for the earliest deadline left. */
    void runDue() {
        List<Deadline> due = new ArrayList<>();
        synchronized (this) {
            armedAt = Long.MAX_VALUE;
            armed = null;
            long now = nanoTime.getAsLong();
            while (!pending.isEmpty() && pending.first().at - now <= 0) {
                due.add(pending.pollFirst());
            }
            if (!pending.isEmpty()) {
                arm(pending.first().at);
            }
        }
        for (Deadline deadline : due) {
            try {
                deadline.onExpiry.run();
            } catch (RuntimeException e) {
                LOG.error("A task timeout could not be handled", e);
            }
        }
    }

    /** Guarded by this. */
    private void arm(long at) {
        if (armed != null) {
            armed.cancel(false);
        }
        armedAt = at;
        armed = timer.schedule(this::runDue, Math.max(0, at - nanoTime.getAsLong()), TimeUnit.NANOSECONDS);
    }
}
