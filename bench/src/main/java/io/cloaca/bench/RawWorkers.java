package io.cloaca.bench;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Plain JDBC work shared out to worker threads, one connection each, timed with the machine's CPU: the
 * harness of the raw baselines. On SQLite the workers take turns through one fair lock around each
 * transaction, exactly as the engine's {@code Database} serialises its writers.
 */
final class RawWorkers {

    /** What one worker does with item {@code item}, on its own connection. */
    @FunctionalInterface
    interface Worker {
        void run(int item) throws SQLException;
    }

    /** Prepares a worker's statements on its connection; {@code lock} is null where writers need no turns. */
    @FunctionalInterface
    interface WorkerFactory {
        Worker open(Connection connection, ReentrantLock lock) throws SQLException;
    }

    /** The statements of one transaction. */
    @FunctionalInterface
    interface Statements {
        void run() throws SQLException;
    }

    private RawWorkers() {
    }

    /**
     * Runs items {@code 0..items-1}, each once, on {@code threads} workers.
     *
     * @param commitsPerItem transactions each item commits, for the throughput's commit count
     */
    static Throughput run(Backend backend, Setup setup, int items, int threads, int commitsPerItem,
                          WorkerFactory factory) throws Exception {
        ReentrantLock lock = backend.singleWriter() ? new ReentrantLock(true) : null;
        AtomicInteger next = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<Connection> connections = new ArrayList<>();
        try {
            for (int i = 0; i < threads; i++) {
                connections.add(backend.rawConnection(setup));
            }
            for (Connection c : connections) {
                workers.add(new Thread(() -> {
                    try {
                        Worker worker = factory.open(c, lock);
                        int i;
                        while ((i = next.getAndIncrement()) < items) {
                            worker.run(i);
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }, "bench-raw-" + workers.size()));
            }
            long start = System.nanoTime();
            long cpu = MachineCpu.busyNanos();
            workers.forEach(Thread::start);
            for (Thread w : workers) {
                w.join();
            }
            long elapsed = System.nanoTime() - start;
            long cpuUsed = MachineCpu.between(cpu, MachineCpu.busyNanos());
            if (!failures.isEmpty()) {
                throw new IllegalStateException("raw baseline failed: " + failures.get(0), failures.get(0));
            }
            return new Throughput(items, (long) commitsPerItem * items, elapsed, cpuUsed);
        } finally {
            for (Connection c : connections) {
                c.close();
            }
        }
    }

    /**
     * Runs {@code work} as one transaction on {@code c}, holding {@code lock} (if any) throughout; adds its
     * duration, from taking the lock's turn to the commit, to {@code latencies} (if any).
     */
    static void transaction(Connection c, ReentrantLock lock, Latencies latencies, Statements work)
            throws SQLException {
        long start = System.nanoTime();
        if (lock != null) {
            lock.lock();
        }
        try {
            c.setAutoCommit(false);
            try {
                work.run();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } finally {
            if (lock != null) {
                lock.unlock();
            }
        }
        if (latencies != null) {
            latencies.add(System.nanoTime() - start);
        }
    }
}
