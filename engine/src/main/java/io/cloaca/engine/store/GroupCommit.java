package io.cloaca.engine.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * Group commit: transactions that arrive while the database is busy with earlier ones are committed
 * together. Writers queue their transaction; a writer that finds a free lane becomes its leader and
 * runs every transaction queued so far in one database transaction, each inside a savepoint of its own,
 * and commits once. Under concurrency one commit (one fsync) then covers several tasks' outcomes; a
 * lone writer finds a lane free and runs its transaction at once, as it would without batching (no
 * timer, no waiting for company).
 *
 * <p>SQLite has one lane (one writer per file). PostgreSQL has several, so that batches run in parallel
 * on different connections; there a batch runs its transactions in the order of their lock keys (the
 * execution each one locks first, and whose rows are the only ones it writes), so that any two batches,
 * of this process or of another, take their locks in the same order and cannot deadlock one another.
 *
 * <p>Each queued unit keeps its own semantics: a unit that fails is rolled back to its savepoint and
 * its caller gets the failure; the others are unaffected. If the connection is lost mid-batch or the
 * commit itself fails, every unit of the batch gets that failure and nothing of the batch was written;
 * each caller's own retry (see {@link Database#inTransaction}) then runs its unit again, alone or in a
 * later batch.
 */
final class GroupCommit {

    private static final class Unit<T> {
        final String lockKey;
        final ClosingWork<T> work;
        /** In a leader's batch: its caller only waits for {@link #done} from then on. */
        volatile boolean taken;
        volatile boolean done;
        T result;
        Throwable failure;

        Unit(String lockKey, ClosingWork<T> work) {
            this.lockKey = lockKey;
            this.work = work;
        }
    }

    /** Units without a key (SQLite only) keep their arrival order, ahead of keyed ones. */
    private static final Comparator<Unit<?>> LOCK_ORDER = Comparator.comparing(u -> u.lockKey,
            Comparator.nullsFirst(Comparator.naturalOrder()));

    private final DataSource pool;
    private final int lanes;
    private final Semaphore leaders;
    private final ConcurrentLinkedQueue<Unit<?>> queue = new ConcurrentLinkedQueue<>();
    /** Waiters for their unit to be done or for a lane to free up. */
    private final Object turn = new Object();
    private final AtomicInteger largestBatch = new AtomicInteger();

    /** @param lanes batches that may run at once, each on a connection of its own */
    GroupCommit(DataSource pool, int lanes) {
        if (lanes < 1) {
            throw new IllegalArgumentException("group commit lanes must be at least 1, got " + lanes);
        }
        this.pool = pool;
        this.lanes = lanes;
        this.leaders = new Semaphore(lanes);
    }

    /** Batches that may run at once (for tests and diagnostics). */
    int lanes() {
        return lanes;
    }

    /** Transactions waiting for a lane (for tests and diagnostics). */
    int queued() {
        return queue.size();
    }

    /** The most transactions one commit has carried so far (for tests and diagnostics). */
    int largestBatch() {
        return largestBatch.get();
    }

    /**
     * Runs {@code work} in a batch and returns once that batch has committed (or failed). The work is
     * told it is the whole transaction when its batch holds nothing else.
     *
     * @param lockKey the execution whose rows {@code work} writes, locking it first; null for none
     *                (allowed with one lane only, where batches never overlap)
     */
    <T> T run(String lockKey, ClosingWork<T> work) throws SQLException {
        Unit<T> unit = new Unit<>(lockKey, work);
        queue.add(unit);
        boolean interrupted = false;
        while (!unit.done) {
            if (!unit.taken && leaders.tryAcquire()) {
                try {
                    List<Unit<?>> batch = drain();
                    if (!batch.isEmpty()) {
                        runBatch(batch);
                    }
                } finally {
                    leaders.release();
                    synchronized (turn) {
                        turn.notifyAll();
                    }
                }
            } else {
                // Another leader may be running this unit already: it cannot be withdrawn, so wait
                // uninterruptibly and restore the interrupt afterwards. A unit still queued waits
                // for a free lane, one already taken for its batch to end.
                synchronized (turn) {
                    while (!unit.done && (unit.taken || leaders.availablePermits() == 0)) {
                        try {
                            turn.wait();
                        } catch (InterruptedException e) {
                            interrupted = true;
                        }
                    }
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (unit.failure instanceof SQLException e) {
            throw e;
        }
        if (unit.failure instanceof RuntimeException e) {
            throw e;
        }
        if (unit.failure instanceof Error e) {
            throw e;
        }
        return unit.result;
    }

    private List<Unit<?>> drain() {
        List<Unit<?>> batch = new ArrayList<>();
        for (Unit<?> u = queue.poll(); u != null; u = queue.poll()) {
            u.taken = true;
            batch.add(u);
        }
        batch.sort(LOCK_ORDER);
        return batch;
    }

    /** Runs {@code batch} as one transaction on a connection of its own. Holds a lane. */
    private void runBatch(List<Unit<?>> batch) {
        largestBatch.accumulateAndGet(batch.size(), Math::max);
        try (Connection c = pool.getConnection()) {
            Database.inTransaction(c, connection -> {
                boolean holdsWork = false;
                for (Unit<?> unit : batch) {
                    holdsWork |= runUnit(connection, unit, holdsWork, batch.size() == 1);
                }
                return null;
            });
        } catch (SQLException | RuntimeException e) {
            for (Unit<?> unit : batch) {
                if (unit.failure == null) {
                    unit.failure = e;
                }
                unit.result = null;
            }
        } finally {
            batch.forEach(u -> u.done = true);
        }
    }

    /**
     * Runs one unit; on failure undoes it alone and keeps its failure for its caller. Only a unit that
     * follows others' work needs a savepoint: the first can be undone by rolling the whole (so far
     * empty) transaction back, which saves a round trip. Savepoints are never released: the next one
     * nests inside, and the commit takes all that was not rolled back. A failure to roll back means
     * the connection is gone; it fails the whole batch.
     *
     * @return whether the unit left work in the transaction
     */
    private static <T> boolean runUnit(Connection c, Unit<T> unit, boolean afterOthers, boolean alone)
            throws SQLException {
        Savepoint savepoint = afterOthers ? c.setSavepoint() : null;
        try {
            unit.result = unit.work.run(c, alone);
            return true;
        } catch (SQLException | RuntimeException | Error e) {
            unit.failure = e;
            try {
                if (savepoint != null) {
                    c.rollback(savepoint);
                } else {
                    c.rollback();
                }
            } catch (SQLException rollbackFailure) {
                // The connection is gone, or SQLite rolled the whole transaction back itself (it may on
                // SQLITE_FULL or an I/O error): the batch is lost, so every unit fails, with this unit's
                // cause rather than the rollback's.
                e.addSuppressed(rollbackFailure);
                throw e;
            }
            return false;
        }
    }
}
