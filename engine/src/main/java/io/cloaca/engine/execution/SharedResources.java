package io.cloaca.engine.execution;

import io.cloaca.engine.store.Database;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The connection pool, worker threads and timer thread that all runners on one database and login
 * share: a tenant runner is a light handle over these, so a thousand tenants cost one pool and one
 * thread set. Reference-counted by {@link RunnerFactory}.
 */
final class SharedResources {

    final Database database;
    final WorkerPool workers;
    final ScheduledExecutorService timers;
    /** Heartbeats, lease sweeps and polls of every runner sharing these resources. */
    final ScheduledExecutorService maintenance;
    /** Fires the cron schedules of every runner sharing these resources, each at its instant. */
    final ScheduledExecutorService dueWork;
    private final Set<String> migrated = new HashSet<>();
    int users;

    SharedResources(Database database, String name, int workerThreads) {
        this.database = database;
        this.workers = new WorkerPool(name, workerThreads);
        // Every attempt schedules a timeout watchdog and cancels it when the attempt ends; without
        // remove-on-cancel the cancelled entries would pile up for the whole task timeout.
        ScheduledThreadPoolExecutor timerPool = new ScheduledThreadPoolExecutor(1, r -> daemon(r, name + "-timer"));
        timerPool.setRemoveOnCancelPolicy(true);
        this.timers = timerPool;
        this.maintenance = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, name + "-maintenance"));
        ScheduledThreadPoolExecutor duePool = new ScheduledThreadPoolExecutor(1, r -> daemon(r, name + "-cron"));
        duePool.setRemoveOnCancelPolicy(true); // a wake() replaces the planned run
        this.dueWork = duePool;
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
        dueWork.shutdownNow();
        timers.shutdownNow();
        database.close();
    }
}
