package io.cloaca.engine.execution;

import io.cloaca.engine.store.Database;
import io.cloaca.engine.store.LivenessLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The connection pool, worker threads and timer thread that all runners on one database and login
 * share: a tenant runner is a light handle over these, so a thousand tenants cost one pool and one
 * thread set. Reference-counted by {@link RunnerFactory}.
 */
final class SharedResources {

    private static final Logger LOG = LoggerFactory.getLogger(SharedResources.class);
    /** How often the liveness lock is checked (and taken again after a lost connection). */
    private static final long LIVENESS_CHECK_SECONDS = 2;
    /** Rechecks of cron schedules per second, across the runners here, when they are many and idle. */
    static final int DUE_RECHECKS_PER_SECOND = 50;

    final Database database;
    /** This process's liveness lock on the database: one for all the runners sharing these resources. */
    final LivenessLock liveness;
    final WorkerPool workers;
    final ScheduledExecutorService timers;
    /** The timeout watchdogs of every attempt of the runners sharing these resources, on {@link #timers}. */
    final AttemptDeadlines deadlines;
    /** Lease sweeps and polls of every runner sharing these resources, and the liveness check. */
    final ScheduledExecutorService maintenance;
    /** The sweeps, polls and owner watches of every runner sharing these resources, in bounded rounds. */
    final MaintenanceRounds rounds;
    /** Heartbeats, on a thread of their own: a slow sweep or poll of one tenant cannot delay them. */
    final ScheduledExecutorService heartbeats;
    /** Fires the cron schedules and claims the trigger polls of every runner sharing these resources, each at its time. */
    final ScheduledExecutorService dueWork;
    private final Set<String> migrated = new HashSet<>();
    /** Runners using these resources; guarded by the {@link RunnerFactory}, read unguarded as a hint. */
    volatile int users;

    SharedResources(Database database, String name, int workerThreads) {
        this.database = database;
        this.liveness = LivenessLock.open(database);
        this.workers = new WorkerPool(name, workerThreads);
        // Retries and trigger timeouts are scheduled here and may be cancelled; without remove-on-cancel the
        // cancelled entries would stay queued until their time.
        ScheduledThreadPoolExecutor timerPool = new ScheduledThreadPoolExecutor(1, r -> daemon(r, name + "-timer"));
        timerPool.setRemoveOnCancelPolicy(true);
        this.timers = timerPool;
        this.deadlines = new AttemptDeadlines(timerPool, System::nanoTime);
        this.maintenance = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, name + "-maintenance"));
        this.heartbeats = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, name + "-heartbeat"));
        this.rounds = new MaintenanceRounds(maintenance, liveness, MaintenanceRounds.IDLE_VISITS_PER_SECOND);
        maintenance.scheduleWithFixedDelay(() -> {
            try {
                liveness.check();
            } catch (RuntimeException e) {
                LOG.warn("Liveness lock check failed, will try again", e);
            }
        }, LIVENESS_CHECK_SECONDS, LIVENESS_CHECK_SECONDS, TimeUnit.SECONDS);
        ScheduledThreadPoolExecutor duePool = new ScheduledThreadPoolExecutor(1, r -> daemon(r, name + "-cron"));
        duePool.setRemoveOnCancelPolicy(true); // a wake() replaces the planned run
        this.dueWork = duePool;
    }

    /**
     * How long the due-work scheduler of each runner here may sleep without looking at its database:
     * the configured {@code recheck}, stretched so that the runners' rechecks together stay within
     * {@link #DUE_RECHECKS_PER_SECOND} (each costs a query or two; schedules fire at their instants
     * whatever this says, and a runner's own changes wake it at once).
     */
    Duration dueRecheck(Duration recheck) {
        return stretchedRecheck(recheck, users);
    }

    /** {@code recheck}, or {@code runners / DUE_RECHECKS_PER_SECOND} seconds when that is longer. */
    static Duration stretchedRecheck(Duration recheck, int runners) {
        Duration spread = Duration.ofMillis(runners * 1000L / DUE_RECHECKS_PER_SECOND);
        return recheck.compareTo(spread) >= 0 ? recheck : spread;
    }

    /** Migrates {@code schema} (null: the default) once per process; later runners of it skip Flyway. */
    synchronized void ensureMigrated(String schema) {
        String key = schema == null ? "" : schema;
        if (!migrated.contains(key)) {
            database.migrate(schema);
            migrated.add(key);
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    void close() {
        workers.stop();
        maintenance.shutdownNow();
        heartbeats.shutdownNow();
        dueWork.shutdownNow();
        timers.shutdownNow();
        liveness.close();
        database.close();
    }
}
