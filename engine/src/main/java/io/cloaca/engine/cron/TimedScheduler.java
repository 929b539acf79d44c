package io.cloaca.engine.cron;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Runs {@link DueWork} at its due time: it sleeps until the earliest {@link DueWork#nextDue()} (never
 * longer than {@code recheck}, which bounds how late changes made by other processes are seen) and is
 * woken at once by {@link #wake()} when this process adds or changes something. There is no poll tick
 * between a due time and its run.
 *
 * <p>Threads: it owns none. Each run is a one-shot task on an executor shared with other runners of the
 * same database (tenants), so many idle runners cost no threads; {@link #runDueNow()} lets a test (or a
 * caller) run due work on its own thread instead. Runs never overlap: they hold one lock.
 *
 * <p>A runner has one: cron schedules and event triggers are both {@link DueWork} of it.
 */
public final class TimedScheduler {

    private static final Logger LOG = LoggerFactory.getLogger(TimedScheduler.class);
    /** How long to wait before trying again after a run failed (the database is down, say). */
    static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(1);

    private final String name;
    private final ScheduledExecutorService executor;
    private final Clock clock;
    private final Supplier<Duration> recheck;
    private final List<DueWork> work;
    private final ReentrantLock running = new ReentrantLock();
    private ScheduledFuture<?> pending;
    private long pendingAt = Long.MAX_VALUE;
    private boolean stopped = true;

    public TimedScheduler(String name, ScheduledExecutorService executor, Clock clock, Duration recheck,
                          List<DueWork> work) {
        this(name, executor, clock, () -> recheck, work);
    }

    /**
     * @param recheck read at each run: the longest sleep may change (it grows with the number of
     *                runners sharing the executor, see {@code Runner})
     */
    public TimedScheduler(String name, ScheduledExecutorService executor, Clock clock, Supplier<Duration> recheck,
                          List<DueWork> work) {
        this.name = name;
        this.executor = executor;
        this.clock = clock;
        this.recheck = recheck;
        this.work = new CopyOnWriteArrayList<>(work);
    }

    /** Adds due work served from the next run on (cron and triggers join their runner's scheduler). */
    public void add(DueWork w) {
        work.add(w);
        wake();
    }

    public synchronized void start() {
        stopped = false;
        planAt(clock.millis());
    }

    /** Looks at the due times again now: call after adding or changing something due. */
    public void wake() {
        planAt(clock.millis());
    }

    /**
     * Runs everything due now on the calling thread, after any run in progress; returns how many items
     * were handled. For tests with a settable clock, and for callers that must not wait for the thread.
     */
    public int runDueNow() {
        running.lock();
        try {
            Instant now = clock.instant();
            int handled = 0;
            for (DueWork w : work) {
                handled += w.runDue(now);
            }
            return handled;
        } finally {
            running.unlock();
        }
    }

    /**
     * Runs only {@code w}'s due work, on the calling thread, after any run in progress; returns how
     * many items it handled. For tests of one kind of due work (cron, triggers) with a settable clock.
     */
    public int runNow(DueWork w) {
        running.lock();
        try {
            return w.runDue(clock.instant());
        } finally {
            running.unlock();
        }
    }

    /** Stops planning runs and waits for a run in progress to end. Idempotent. */
    public void stop() {
        synchronized (this) {
            stopped = true;
            if (pending != null) {
                pending.cancel(false);
                pending = null;
            }
        }
        running.lock(); // a run in progress finishes its transaction before the pool closes
        running.unlock();
    }

    private void tick() {
        synchronized (this) {
            pending = null; // a wake() from now on plans a new run rather than relying on this one
            pendingAt = Long.MAX_VALUE;
            if (stopped) {
                return;
            }
        }
        long next;
        try {
            runDueNow();
            next = earliestDue();
        } catch (RuntimeException e) {
            LOG.warn("{}: running due work failed, trying again in {}", name, RETRY_AFTER_FAILURE, e);
            next = clock.millis() + RETRY_AFTER_FAILURE.toMillis();
        }
        planAt(next);
    }

    /** The earliest due time, but no later than one recheck interval from now. */
    private long earliestDue() {
        long now = clock.millis();
        long next = now + recheck.get().toMillis();
        for (DueWork w : work) {
            Optional<Instant> due = w.nextDue();
            if (due.isPresent()) {
                next = Math.min(next, due.get().toEpochMilli());
            }
        }
        return next;
    }

    private synchronized void planAt(long at) {
        if (stopped || (pending != null && pendingAt <= at)) {
            return; // an earlier run is already planned
        }
        if (pending != null) {
            pending.cancel(false);
        }
        pendingAt = at;
        pending = executor.schedule(this::tick, Math.max(0, at - clock.millis()), TimeUnit.MILLISECONDS);
    }
}
