package io.cloaca.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The raw database doing the engine's hot-path writes with plain JDBC and nothing else: per task, a
 * claim UPDATE committed, then a complete UPDATE (output context, status) committed: 2 commits per task.
 * {@link RawWorkers} shares the tasks out to the workers.
 */
final class RawCommitBaseline {

    private static final String RUNNER = "raw-baseline";

    private final Backend backend;
    private final Setup setup;
    private final RawTaskTable table;
    private final String claimSql;
    private final String completeSql;

    RawCommitBaseline(Backend backend, Setup setup) throws SQLException {
        this.backend = backend;
        this.setup = setup;
        this.table = new RawTaskTable(backend, setup);
        table.create();
        String t = table.name();
        this.claimSql = "UPDATE " + t + " SET status = 'Running', claimed_by = ?, lease_expires_at = ?,"
                + " started_at = ?, updated_at = ? WHERE id = ? AND status = 'Ready'";
        this.completeSql = "UPDATE " + t + " SET status = 'Completed', output_context = ?, completed_at = ?,"
                + " claimed_by = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = ? AND status = 'Running'"
                + " AND claimed_by = ?";
    }

    /** Claim + complete of {@code tasks} tasks by {@code threads} workers. */
    Throughput throughput(int tasks, int threads) throws Exception {
        List<String> ids = table.insertReady(tasks);
        return RawWorkers.run(backend, setup, tasks, threads, 2, (c, lock) -> {
            PreparedStatement claim = c.prepareStatement(claimSql);
            PreparedStatement complete = c.prepareStatement(completeSql);
            return i -> runTask(c, claim, complete, ids.get(i), lock, null);
        });
    }

    /** What one writer alone achieves: each commit's latency, and its throughput. */
    record SingleWriter(Latencies commits, Throughput throughput) {
    }

    /** One writer doing claim + complete for {@code tasks} tasks, timing each commit. */
    SingleWriter singleWriter(int tasks) throws SQLException {
        List<String> ids = table.insertReady(tasks);
        Latencies commits = new Latencies();
        try (Connection c = backend.rawConnection(setup);
             PreparedStatement claim = c.prepareStatement(claimSql);
             PreparedStatement complete = c.prepareStatement(completeSql)) {
            long start = System.nanoTime();
            long cpu = MachineCpu.busyNanos();
            for (String id : ids) {
                runTask(c, claim, complete, id, null, commits);
            }
            return new SingleWriter(commits, new Throughput(tasks, 2L * tasks, System.nanoTime() - start,
                    MachineCpu.between(cpu, MachineCpu.busyNanos())));
        }
    }

    /**
     * One writer that runs {@code tasks} of the baseline's tasks one at a time, when asked: for a measurement
     * that alternates with another one, so that both see the machine in the same state.
     */
    LoneWriter loneWriter(int tasks) throws SQLException {
        return new LoneWriter(table.insertReady(tasks).iterator());
    }

    /** Runs the next task's claim and complete (two commits) on its own connection; closing closes it. */
    final class LoneWriter implements AutoCloseable {

        private final Iterator<String> ids;
        private final Connection c;
        private final PreparedStatement claim;
        private final PreparedStatement complete;

        private LoneWriter(Iterator<String> ids) throws SQLException {
            this.ids = ids;
            this.c = backend.rawConnection(setup);
            this.claim = c.prepareStatement(claimSql);
            this.complete = c.prepareStatement(completeSql);
        }

        /** Claims and completes the next task; returns the nanoseconds its two commits took. */
        long nextTask() throws SQLException {
            long start = System.nanoTime();
            runTask(c, claim, complete, ids.next(), null, null);
            return System.nanoTime() - start;
        }

        @Override
        public void close() throws SQLException {
            c.close();
        }
    }

    private static void runTask(Connection c, PreparedStatement claim, PreparedStatement complete, String id,
                                ReentrantLock lock, Latencies latencies) throws SQLException {
        long now = System.currentTimeMillis();
        RawWorkers.transaction(c, lock, latencies, () -> {
            claim.setString(1, RUNNER);
            claim.setLong(2, now + 60_000);
            claim.setLong(3, now);
            claim.setLong(4, now);
            claim.setString(5, id);
            if (claim.executeUpdate() != 1) {
                throw new IllegalStateException("raw baseline: task " + id + " was not Ready");
            }
        });
        RawWorkers.transaction(c, lock, latencies, () -> {
            complete.setString(1, "{}");
            complete.setLong(2, now);
            complete.setLong(3, now);
            complete.setString(4, id);
            complete.setString(5, RUNNER);
            if (complete.executeUpdate() != 1) {
                throw new IllegalStateException("raw baseline: task " + id + " was not Running");
            }
        });
    }
}
