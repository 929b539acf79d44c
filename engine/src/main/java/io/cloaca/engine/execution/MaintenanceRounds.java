package io.cloaca.engine.execution;

import io.cloaca.engine.store.LivenessLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the sweeps, polls and owner watches of every runner sharing one database's resources (every
 * tenant schema of a pool) from one loop on the maintenance thread, so that their cost grows with the
 * work there is, not with the number of tenants:
 * <ul>
 *   <li>each tick (the smallest poll interval of the runners) serves every <em>busy</em> runner whose
 *       loops are due: one that someone waits on, whose last poll found work, or that must sweep
 *       because a peer died;</li>
 *   <li>then walks the idle runners round-robin, serving the due ones up to
 *       {@link #IDLE_VISITS_PER_SECOND} a second in all. Up to about a hundred idle tenants nothing
 *       changes (each polls every 16 poll intervals, sweeps every sweep interval); beyond, an idle
 *       tenant is polled and swept once per {@code tenants / IDLE_VISITS_PER_SECOND} seconds, so 10,000
 *       idle tenants cost a few hundred queries a second instead of tens of thousands;</li>
 *   <li>on PostgreSQL, the owner watch is one query for the whole database (which processes hold a
 *       liveness lock) instead of one per schema; when a process seen alive has been gone for the
 *       lock's relock window, every runner sweeps, as busy runners. Elsewhere (SQLite, one runner per
 *       file) each runner watches the owners of its own claims.</li>
 * </ul>
 * Heartbeats stay on their own thread (one per runner, no query when it holds no claim): no round here
 * can delay them. A runner that fails is logged and retried by its own loops' back-off; the walk goes on.
 */
final class MaintenanceRounds {

    private static final Logger LOG = LoggerFactory.getLogger(MaintenanceRounds.class);
    /** Idle runners served per second, across the runners of one database: the idle query budget. */
    static final int IDLE_VISITS_PER_SECOND = 50;
    /** At most this many runners sweep per tick after a peer died, so that polls of busy runners go on. */
    static final int URGENT_PER_TICK = 200;

    private final ScheduledExecutorService executor;
    private final LivenessLock liveness;
    /** Runners in round-robin order; guarded by this. */
    private final List<Maintenance> members = new ArrayList<>();
    /** Where the idle walk resumes; guarded by this. */
    private int cursor;
    private Duration tick;
    private ScheduledFuture<?> loop;
    /** Liveness owners seen alive in the database, and since when (monotonic ms) each was missed. */
    private final Set<String> seenAlive = new HashSet<>();
    private final Map<String, Long> missingSince = new HashMap<>();
    private long nextWatchAt;
    /** Whether the lock can list live owners (PostgreSQL); if not, every runner watches its claims' owners. */
    private final boolean databaseWatch;
    private final int idleVisitsPerSecond;

    /**
     * @param executor            runs the rounds; null: rounds run only when {@link #tick} is called (tests)
     * @param idleVisitsPerSecond idle runners served per second in all (see {@link #IDLE_VISITS_PER_SECOND})
     */
    MaintenanceRounds(ScheduledExecutorService executor, LivenessLock liveness, int idleVisitsPerSecond) {
        this.executor = executor;
        this.liveness = liveness;
        this.databaseWatch = liveness.listsOwners();
        this.idleVisitsPerSecond = idleVisitsPerSecond;
    }

    /** Milliseconds of a clock that never goes back, for due times (the runners' clocks may be set by tests). */
    static long monotonicMillis() {
        return System.nanoTime() / 1_000_000;
    }

    /** Starts serving {@code m}; its first sweep is due at once. */
    synchronized void join(Maintenance m) {
        members.add(m);
        Duration poll = m.pollInterval();
        if (tick == null || poll.compareTo(tick) < 0) {
            tick = poll;
            if (loop != null) {
                loop.cancel(false);
            }
            loop = executor == null ? null : executor.scheduleWithFixedDelay(this::tickGuarded, 0, tick.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Stops serving {@code m} (its runner shut down). */
    synchronized void leave(Maintenance m) {
        int i = members.indexOf(m);
        if (i < 0) {
            return;
        }
        members.remove(i);
        if (i < cursor) {
            cursor--;
        }
        if (members.isEmpty()) {
            if (loop != null) {
                loop.cancel(false);
            }
            loop = null;
            tick = null;
        }
    }

    private void tickGuarded() {
        try {
            tick(monotonicMillis());
        } catch (RuntimeException e) {
            // Each runner's loops guard themselves; this is the database-wide watch failing.
            LOG.warn("Background maintenance round failed, trying again at the next tick", e);
        }
    }

    /**
     * One round: the database-wide owner watch when due, every busy due runner, then idle ones up to the
     * budget. Busy runners also watch the owners of their own schema's claims, as every runner does where
     * the lock cannot list owners: a peer that started and died between two database-wide watches was
     * never seen alive there, and where someone waits for work that is where it matters at once.
     *
     * @param now monotonic milliseconds (see {@link #monotonicMillis()})
     * @return the runners served
     */
    List<Maintenance> tick(long now) {
        if (databaseWatch && now >= nextWatchAt) {
            nextWatchAt = now + Maintenance.OWNER_WATCH_INTERVAL.toMillis();
            watchOwners(now);
        }
        boolean watchAll = !databaseWatch;
        List<Maintenance> picked = pick(now, watchAll);
        for (Maintenance m : picked) {
            m.runDue(now, watchAll || m.busy());
        }
        return picked;
    }

    /** The runners to serve this tick: the busy due ones, then idle due ones from the cursor, within budget. */
    private synchronized List<Maintenance> pick(long now, boolean watchAll) {
        List<Maintenance> picked = new ArrayList<>();
        int n = members.size();
        if (n == 0) {
            return picked;
        }
        int idleBudget = (int) Math.max(1, idleVisitsPerSecond * tick.toMillis() / 1000);
        int urgent = 0;
        int idle = 0;
        // One full turn from the cursor: busy runners are all taken, idle ones until the budget is spent;
        // the cursor stops at the first idle due runner left over, so it is first next tick.
        int stopAt = -1;
        for (int k = 0; k < n; k++) {
            int i = (cursor + k) % n;
            Maintenance m = members.get(i);
            boolean busy = m.busy();
            if (!m.due(now, watchAll || busy)) {
                continue;
            }
            if (busy) {
                if (m.sweepRequested() && ++urgent > URGENT_PER_TICK) {
                    continue; // a mass sweep after a peer died goes on next tick
                }
                picked.add(m);
            } else if (idle < idleBudget) {
                idle++;
                picked.add(m);
            } else if (stopAt < 0) {
                stopAt = i;
            }
        }
        cursor = stopAt >= 0 ? stopAt : (cursor + 1) % n;
        return picked;
    }

    /**
     * Reads which processes hold a liveness lock on the database; one seen alive before and missing for
     * the lock's relock window is gone, and every runner sweeps for its claims.
     */
    private void watchOwners(long now) {
        Optional<Set<String>> live = liveness.liveOwners();
        if (live.isEmpty()) {
            return; // cannot judge now (the server just restarted): nobody is taken for dead
        }
        Set<String> alive = live.get();
        missingSince.keySet().removeAll(alive);
        for (String owner : seenAlive) {
            if (!alive.contains(owner)) {
                missingSince.putIfAbsent(owner, now);
            }
        }
        long window = liveness.relockWindow().toMillis();
        Set<String> gone = new HashSet<>();
        missingSince.forEach((owner, since) -> {
            if (now - since >= window) {
                gone.add(owner);
            }
        });
        seenAlive.addAll(alive);
        if (gone.isEmpty()) {
            return;
        }
        seenAlive.removeAll(gone);
        missingSince.keySet().removeAll(gone);
        List<Maintenance> all;
        synchronized (this) {
            all = List.copyOf(members);
        }
        LOG.info("The process(es) of liveness owner(s) {} are gone; {} runner(s) sweep for their claims now",
                gone, all.size());
        all.forEach(Maintenance::requestSweep);
    }
}
