package io.cloaca.engine.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;

/**
 * Group commit for a database with one writer (SQLite). Writers queue their transaction and take the
 * write lock; whoever gets it runs every transaction queued so far in one database transaction, each
 * inside a savepoint of its own, and commits once. Under concurrency one fsync then covers several
 * tasks' outcomes; alone, a transaction runs as it would without batching.
 *
 * <p>Each queued unit keeps its own semantics: a unit that fails is rolled back to its savepoint and
 * its caller gets the failure; the others are unaffected. If the commit itself fails, every unit of
 * the batch gets that failure and nothing of the batch was written.
 */
final class GroupCommit {

    private static final class Unit<T> {
        final SqlWork<T> work;
        volatile boolean done;
        T result;
        Throwable failure;

        Unit(SqlWork<T> work) {
            this.work = work;
        }
    }

    private final DataSource pool;
    private final ReentrantLock writeLock = new ReentrantLock(true);
    private final ConcurrentLinkedQueue<Unit<?>> queue = new ConcurrentLinkedQueue<>();

    private int largestBatch;

    GroupCommit(DataSource pool) {
        this.pool = pool;
    }

    /** Transactions waiting for the write lock (for tests and diagnostics). */
    int queued() {
        return queue.size();
    }

    /** The most transactions one commit has carried so far (for tests and diagnostics). */
    int largestBatch() {
        writeLock.lock();
        try {
            return largestBatch;
        } finally {
            writeLock.unlock();
        }
    }

    <T> T run(SqlWork<T> work) throws SQLException {
        Unit<T> unit = new Unit<>(work);
        queue.add(unit);
        writeLock.lock();
        try {
            if (!unit.done) {
                runBatch();
            }
        } finally {
            writeLock.unlock();
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

    /** Runs everything queued, the caller's own unit included, as one transaction. Holds the write lock. */
    private void runBatch() {
        List<Unit<?>> batch = new ArrayList<>();
        for (Unit<?> u = queue.poll(); u != null; u = queue.poll()) {
            batch.add(u);
        }
        largestBatch = Math.max(largestBatch, batch.size());
        try (Connection c = pool.getConnection()) {
            Database.inTransaction(c, connection -> {
                for (Unit<?> unit : batch) {
                    runInSavepoint(connection, unit, batch.size() > 1);
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

    private static <T> void runInSavepoint(Connection c, Unit<T> unit, boolean isolate) throws SQLException {
        Savepoint savepoint = isolate ? c.setSavepoint() : null;
        try {
            unit.result = unit.work.run(c);
            if (savepoint != null) {
                c.releaseSavepoint(savepoint);
            }
        } catch (SQLException | RuntimeException | Error e) {
            if (savepoint == null) {
                throw e; // alone in its batch: let the transaction roll back as usual
            }
            try {
                c.rollback(savepoint);
            } catch (SQLException savepointGone) {
                // SQLite rolled the whole transaction back itself (it may on SQLITE_FULL or an I/O error):
                // the batch is lost, so every unit fails, with this unit's cause, not the savepoint's.
                e.addSuppressed(savepointGone);
                throw e;
            }
            unit.failure = e;
        }
    }
}
