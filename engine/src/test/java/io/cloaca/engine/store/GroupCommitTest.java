package io.cloaca.engine.store;

import io.cloaca.engine.CloacaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Transactions batched into one SQLite commit keep their own outcome: each succeeds or fails alone,
 * and a failed one leaves no trace while the others of its batch are kept.
 */
class GroupCommitTest {

    @TempDir
    Path dir;

    @Test
    void concurrent_transactions_commit_together_and_a_failing_one_is_rolled_back_alone() throws Exception {
        try (Database db = Database.open(DatabaseUrl.parse("sqlite://" + dir.resolve("g.db")), 8, true)) {
            db.inTransaction(c -> {
                try (Statement st = c.createStatement()) {
                    st.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)");
                }
                return null;
            });
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(9);
            try {
                // One transaction holds the write lock, so the next eight queue up and run as one batch.
                Future<?> holder = pool.submit(() -> db.inTransaction(c -> {
                    holding.countDown();
                    awaitQuietly(release);
                    return insert(c, 100);
                }));
                assertTrue(holding.await(30, TimeUnit.SECONDS));
                List<Future<Integer>> writers = new ArrayList<>();
                for (int n = 0; n < 8; n++) {
                    int value = n;
                    writers.add(pool.submit(() -> db.inTransaction(c -> {
                        insert(c, value);
                        if (value == 3) {
                            throw CloacaException.invalidArgument("unit 3 fails");
                        }
                        return value;
                    })));
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (db.groupCommit().queued() < 8 && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertEquals(8, db.groupCommit().queued(), "the eight writers queue behind the holder");
                release.countDown();
                holder.get(30, TimeUnit.SECONDS);
                for (int n = 0; n < 8; n++) {
                    Future<Integer> writer = writers.get(n);
                    if (n == 3) {
                        var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> writer.get(30, TimeUnit.SECONDS));
                        assertTrue(e.getCause().getMessage().contains("unit 3 fails"));
                    } else {
                        assertEquals(n, writer.get(30, TimeUnit.SECONDS));
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            assertTrue(db.groupCommit().largestBatch() >= 8, "one commit carried the eight queued transactions");
            List<Integer> stored = db.read(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT n FROM t ORDER BY n")) {
                    return Rows.list(ps, rs -> rs.getInt(1));
                }
            });
            assertEquals(List.of(0, 1, 2, 4, 5, 6, 7, 100), stored);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int insert(java.sql.Connection c, int n) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO t (n) VALUES (?)")) {
            ps.setInt(1, n);
            return ps.executeUpdate();
        }
    }

}
