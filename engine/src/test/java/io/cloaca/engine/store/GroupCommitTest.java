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

    /** A unit of a batch: inserts its number, then may fail in its own way. */
    private interface Unit {
        int run(java.sql.Connection c, int n) throws java.sql.SQLException;
    }

    private static Database table(Path file) {
        Database db = Database.open(DatabaseUrl.parse("sqlite://" + file), 8, true);
        db.inTransaction(c -> {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, pad TEXT)");
            }
            return null;
        });
        return db;
    }

    /**
     * Runs units 0..7 as one batch (they queue behind a holder of the write lock, which inserts 100) and
     * returns, per unit, its result or its failure.
     */
    private static List<Object> batch(Database db, Unit unit) throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(9);
        try {
            Future<?> holder = pool.submit(() -> db.inTransaction(c -> {
                holding.countDown();
                awaitQuietly(release);
                return insert(c, 100);
            }));
            assertTrue(holding.await(30, TimeUnit.SECONDS));
            List<Future<Integer>> writers = new ArrayList<>();
            for (int n = 0; n < 8; n++) {
                int value = n;
                writers.add(pool.submit(() -> db.inTransaction(c -> unit.run(c, value))));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (db.groupCommit().queued() < 8 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(8, db.groupCommit().queued(), "the eight writers queue behind the holder");
            release.countDown();
            holder.get(30, TimeUnit.SECONDS);
            List<Object> outcomes = new ArrayList<>();
            for (Future<Integer> writer : writers) {
                try {
                    outcomes.add(writer.get(30, TimeUnit.SECONDS));
                } catch (java.util.concurrent.ExecutionException e) {
                    outcomes.add(e.getCause());
                }
            }
            assertTrue(db.groupCommit().largestBatch() >= 8, "one commit carried the eight queued transactions");
            return outcomes;
        } finally {
            pool.shutdownNow();
        }
    }

    private static List<Integer> stored(Database db) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT n FROM t ORDER BY n")) {
                return Rows.list(ps, rs -> rs.getInt(1));
            }
        });
    }

    @Test
    void concurrent_transactions_commit_together_and_a_failing_one_is_rolled_back_alone() throws Exception {
        try (Database db = table(dir.resolve("g.db"))) {
            List<Object> outcomes = batch(db, (c, n) -> {
                insert(c, n);
                if (n == 3) {
                    throw CloacaException.invalidArgument("unit 3 fails");
                }
                return n;
            });
            for (int n = 0; n < 8; n++) {
                if (n == 3) {
                    assertTrue(((Throwable) outcomes.get(n)).getMessage().contains("unit 3 fails"));
                } else {
                    assertEquals(n, outcomes.get(n));
                }
            }
            assertEquals(List.of(0, 1, 2, 4, 5, 6, 7, 100), stored(db));
        }
    }

    @Test
    void a_unit_that_fills_the_disk_fails_with_its_own_cause_and_every_unit_reported_done_is_stored() throws Exception {
        try (Database db = table(dir.resolve("full.db"))) {
            List<Object> outcomes = batch(db, (c, n) -> {
                insert(c, n);
                if (n == 3) {
                    // The file may not grow on this connection: a large row needs pages it cannot have.
                    try (Statement st = c.createStatement()) {
                        st.execute("PRAGMA max_page_count = 1");
                    }
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO t (n, pad) VALUES (?, ?)")) {
                        ps.setInt(1, 1000);
                        ps.setString(2, "x".repeat(1_000_000));
                        ps.executeUpdate();
                    }
                }
                return n;
            });
            Throwable full = (Throwable) outcomes.get(3);
            assertTrue(full.getMessage().contains("SQLITE_FULL"), full.getMessage());
            // SQLite may undo the one statement or the whole transaction: either way, what a unit was told
            // is what the database holds.
            List<Integer> stored = stored(db);
            for (int n = 0; n < 8; n++) {
                assertEquals(outcomes.get(n) instanceof Integer, stored.contains(n), "unit " + n + ": " + outcomes.get(n));
            }
            assertTrue(!stored.contains(1000) && !stored.contains(3));
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
