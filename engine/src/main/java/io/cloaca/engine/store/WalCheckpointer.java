package io.cloaca.engine.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * SQLite: copies the write-ahead log back into the database file on a thread of its own, so that the
 * one writer lane does not. Left to SQLite, the commit that takes the log past its threshold (1,000
 * pages) runs the checkpoint, fsyncs included, while every other writer waits for the lane: with it
 * there, one-task workflows on synchronous=NORMAL ran 25-35% slower (docs/benchmarks.md, "fourth pass").
 *
 * <p>After every {@link #COMMITS_PER_CHECKPOINT} commits a {@code PASSIVE} checkpoint runs here: it
 * copies what no reader still needs and waits for no one, and writers go on meanwhile (the log is
 * rewound by the first write after a complete checkpoint). The engine's connections keep SQLite's own
 * checkpoint at {@link #FALLBACK_PAGES}: should this thread fall behind, or fail, the log still stops
 * growing there. Durability is unchanged: a commit is as durable as {@code synchronous} makes it,
 * whoever checkpoints later.
 */
final class WalCheckpointer implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WalCheckpointer.class);

    /** Commits between two checkpoints here: a few pages each, so about SQLite's default threshold. */
    static final int COMMITS_PER_CHECKPOINT = 200;
    /** The log's size, in pages, at which a committing connection checkpoints after all (10x SQLite's default). */
    static final int FALLBACK_PAGES = 10_000;

    private final DataSource pool;
    private final ExecutorService thread;
    private final AtomicInteger commits = new AtomicInteger();
    private final AtomicBoolean pending = new AtomicBoolean();
    private final AtomicInteger checkpoints = new AtomicInteger();
    private final AtomicInteger requested = new AtomicInteger();

    WalCheckpointer(DataSource pool, String name) {
        this.pool = pool;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name + "-checkpoint");
            t.setDaemon(true);
            return t;
        });
    }

    /** Counts a commit; every {@link #COMMITS_PER_CHECKPOINT}th asks for a checkpoint, unless one is pending. */
    void committed() {
        if (commits.incrementAndGet() >= COMMITS_PER_CHECKPOINT && pending.compareAndSet(false, true)) {
            commits.set(0);
            requested.incrementAndGet();
            try {
                thread.execute(this::checkpointQuietly);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                pending.set(false); // closing: SQLite checkpoints when its last connection closes
            }
        }
    }

    /** Checkpoints now, on the caller's thread (for tests); returns the log's pages not yet copied back. */
    int checkpointNow() throws SQLException {
        try (Connection c = pool.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
            checkpoints.incrementAndGet();
            // busy flag, pages in the log, pages copied back (-1 when not in WAL mode)
            return rs.next() ? Math.max(0, rs.getInt(2) - rs.getInt(3)) : 0;
        }
    }

    /** How many checkpoints commits have asked this thread for (for tests and diagnostics). */
    int requested() {
        return requested.get();
    }

    /** How many checkpoints ran here (for tests and diagnostics). */
    int checkpoints() {
        return checkpoints.get();
    }

    private void checkpointQuietly() {
        try {
            checkpointNow();
        } catch (SQLException | RuntimeException e) {
            // The writers' own checkpoint at FALLBACK_PAGES still bounds the log.
            LOG.debug("WAL checkpoint failed; SQLite's own checkpoint bounds the log meanwhile", e);
        } finally {
            pending.set(false);
        }
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
