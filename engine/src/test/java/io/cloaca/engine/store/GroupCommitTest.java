package io.cloaca.engine.store;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.TestDatabases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Transactions batched into one commit keep their own outcome, on SQLite and on PostgreSQL: each
 * succeeds or fails alone, a failed one leaves no trace while the others of its batch are kept, and a
 * batch whose connection dies fails every one of its transactions, none of which is then found.
 */
class GroupCommitTest {

    @TempDir
    Path dir;

    /** A database with an empty table {@link #table} of integers, and a way to cut a connection. */
    private final class Fixture implements AutoCloseable {
        final Database db;
        final String table;
        final ExecutorService threads = Executors.newFixedThreadPool(16);

        Fixture(String backend) throws SQLException {
            if (backend.equals("postgresql")) {
                String schema = TestDatabases.newSchemaName();
                try (Connection admin = TestDatabases.adminConnection(); Statement st = admin.createStatement()) {
                    st.execute("CREATE SCHEMA \"" + schema + "\"");
                }
                db = Database.open(DatabaseUrl.parse(TestDatabases.PG_URL), 4, true);
                table = "\"" + schema + "\".t";
            } else {
                db = Database.open(DatabaseUrl.parse("sqlite://" + dir.resolve("g.db")), 4, true);
                table = "t";
            }
            db.inTransaction(c -> {
                try (Statement st = c.createStatement()) {
                    st.execute("CREATE TABLE " + table + " (n INTEGER PRIMARY KEY, pad TEXT)");
                }
                return null;
            });
        }

        int insert(Connection c, int n) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (n) VALUES (?)")) {
                ps.setInt(1, n);
                return ps.executeUpdate();
            }
        }

        Pipeline.Step insertStep(int n) {
            return new Pipeline.Step("INSERT INTO " + table + " (n) VALUES (?)", (ps, i) -> {
                ps.setInt(i, n);
                return i + 1;
            }, Pipeline.IGNORE);
        }

        List<Integer> stored() {
            return db.read(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT n FROM " + table + " ORDER BY n")) {
                    return Rows.list(ps, rs -> rs.getInt(1));
                }
            });
        }

        /**
         * Occupies every lane with a transaction that waits for {@code release}, so that the writers
         * started next queue up and run as one batch; returns the holders, each inserting 100 + i.
         */
        private List<Future<Object>> holdEveryLane(CountDownLatch release) throws Exception {
            List<Future<Object>> holders = new ArrayList<>();
            for (int i = 0; i < db.groupCommit().lanes(); i++) {
                int value = 100 + i;
                CountDownLatch holding = new CountDownLatch(1);
                holders.add(threads.submit(() -> db.groupCommit().run("holder" + value, (c, whole) -> {
                    holding.countDown();
                    awaitQuietly(release);
                    return insert(c, value);
                })));
                assertTrue(holding.await(30, TimeUnit.SECONDS));
            }
            return holders;
        }

        /**
         * Runs {@code units} transactions, made by {@code unit} from their number, as one batch: every lane
         * is held while they queue, then let go. Returns their callers' results.
         */
        List<Future<Integer>> runAsOneBatch(int units, IntFunction<Callable<Integer>> unit) throws Exception {
            CountDownLatch release = new CountDownLatch(1);
            List<Future<Object>> holders = holdEveryLane(release);
            List<Future<Integer>> writers = new ArrayList<>();
            for (int n = 0; n < units; n++) {
                writers.add(threads.submit(unit.apply(n)));
            }
            awaitQueued(units);
            release.countDown();
            for (Future<Object> holder : holders) {
                holder.get(30, TimeUnit.SECONDS);
            }
            return writers;
        }

        /** What the lanes' holders wrote, besides {@code values}. */
        List<Integer> withHolders(Integer... values) {
            List<Integer> expected = new ArrayList<>(List.of(values));
            for (int i = 0; i < db.groupCommit().lanes(); i++) {
                expected.add(100 + i);
            }
            return expected;
        }

        private void awaitQueued(int units) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (db.groupCommit().queued() < units && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(units, db.groupCommit().queued(), "the writers queue behind the lanes' holders");
        }

        @Override
        public void close() {
            threads.shutdownNow();
            db.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void concurrent_transactions_commit_together_and_a_failing_one_is_rolled_back_alone(String backend)
            throws Exception {
        try (Fixture f = new Fixture(backend)) {
            List<Future<Integer>> writers = f.runAsOneBatch(8, value -> () -> f.db.inExecutionTransaction("k" + value, c -> {
                f.insert(c, value);
                if (value == 0 || value == 3) {
                    // 0 runs first in its batch (no savepoint), 3 in the middle (a savepoint)
                    throw CloacaException.invalidArgument("unit " + value + " fails");
                }
                if (value == 5) {
                    f.insert(c, value); // a database error: PostgreSQL aborts the transaction
                }
                return value;
            }));
            for (int n = 0; n < 8; n++) {
                Future<Integer> writer = writers.get(n);
                if (n == 0 || n == 3) {
                    var e = assertThrows(ExecutionException.class, () -> writer.get(30, TimeUnit.SECONDS));
                    assertTrue(e.getCause().getMessage().contains("unit " + n + " fails"), e.getCause().toString());
                } else if (n == 5) {
                    var e = assertThrows(ExecutionException.class, () -> writer.get(30, TimeUnit.SECONDS));
                    assertInstanceOf(CloacaException.class, e.getCause());
                } else {
                    assertEquals(n, writer.get(30, TimeUnit.SECONDS));
                }
            }
            assertTrue(f.db.groupCommit().largestBatch() >= 8, "one commit carried the eight queued transactions");
            assertEquals(f.withHolders(1, 2, 4, 6, 7), f.stored());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void a_lone_unit_sends_its_commit_with_its_statements_and_a_failing_statement_leaves_nothing(String backend)
            throws Exception {
        try (Fixture f = new Fixture(backend)) {
            Pipeline.Step one = f.insertStep(1);
            Pipeline.Step two = f.insertStep(2);
            f.db.groupCommit().run("k", (c, whole) -> {
                assertTrue(whole, "alone in its batch");
                Pipeline.runAndCommit(c, f.db.dialect(), one, two);
                return null;
            });
            assertEquals(List.of(1, 2), f.stored());

            // The second INSERT collides: the server skips the COMMIT sent after it, the first is undone.
            assertThrows(SQLException.class, () -> f.db.groupCommit().run("k", (c, whole) -> {
                Pipeline.runAndCommit(c, f.db.dialect(), f.insertStep(3), f.insertStep(1));
                return null;
            }));
            assertEquals(List.of(1, 2), f.stored());
            f.db.groupCommit().run("k", (c, whole) -> f.insert(c, 4));
            assertEquals(List.of(1, 2, 4), f.stored());

            assertThrows(IllegalArgumentException.class, () -> Pipeline.runAndCommit(null, f.db.dialect(),
                    new Pipeline.Step("SELECT 1", (ps, i) -> i, (rows, count) -> { })),
                    "results read after the COMMIT could not undo it");
        }
    }

    @Test
    void a_unit_that_fills_the_sqlite_disk_fails_with_its_own_cause_and_every_unit_reported_done_is_stored()
            throws Exception {
        try (Fixture f = new Fixture("sqlite")) {
            List<Future<Integer>> writers = f.runAsOneBatch(8, value -> () -> f.db.inExecutionTransaction("k" + value, c -> {
                f.insert(c, value);
                if (value == 3) {
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
                return value;
            }));
            List<Object> outcomes = new ArrayList<>();
            for (Future<Integer> writer : writers) {
                try {
                    outcomes.add(writer.get(30, TimeUnit.SECONDS));
                } catch (ExecutionException e) {
                    outcomes.add(e.getCause());
                }
            }
            Throwable full = (Throwable) outcomes.get(3);
            assertTrue(full.getMessage().contains("SQLITE_FULL") || full.getMessage().contains("disk is full"),
                    full.getMessage());
            // SQLite may undo the one statement or the whole transaction: either way, what a unit was told
            // is what the database holds.
            List<Integer> stored = f.stored();
            for (int n = 0; n < 8; n++) {
                assertEquals(outcomes.get(n) instanceof Integer, stored.contains(n), "unit " + n + ": " + outcomes.get(n));
            }
            assertTrue(!stored.contains(1000) && !stored.contains(3));
        }
    }

    @Test
    void a_postgresql_batch_whose_connection_is_killed_fails_every_unit_and_none_is_written() throws Exception {
        try (Fixture f = new Fixture("postgresql")) {
            // The group committer itself, not Database's retrying path: each caller must see the failure.
            List<Future<Integer>> writers = f.runAsOneBatch(4, value -> () -> f.db.groupCommit().run("k" + value, (c, whole) -> {
                assertFalse(whole, "a unit that shares its batch leaves the commit to the batch");
                f.insert(c, value);
                if (value == 3) {
                    terminate(c); // the last unit of the batch: the commit is what fails
                }
                return value;
            }));
            for (Future<Integer> writer : writers) {
                var e = assertThrows(ExecutionException.class, () -> writer.get(30, TimeUnit.SECONDS));
                assertInstanceOf(SQLException.class, e.getCause());
                assertTrue(Database.isTransient((SQLException) e.getCause()), e.getCause().toString());
            }
            assertTrue(f.db.groupCommit().largestBatch() >= 4);
            assertEquals(f.withHolders(), f.stored(), "nothing of the killed batch was committed");
            // The engine goes on: the pool replaces the dead connection.
            int inserted = f.db.inExecutionTransaction("after", c -> f.insert(c, 50));
            assertEquals(1, inserted);
            assertEquals(f.withHolders(50), f.stored());
        }
    }

    @Test
    void units_of_a_killed_postgresql_batch_are_retried_each_on_its_own_and_written_once() throws Exception {
        try (Fixture f = new Fixture("postgresql")) {
            CountDownLatch killOnce = new CountDownLatch(1);
            List<Future<Integer>> writers = f.runAsOneBatch(4, value -> () -> f.db.inExecutionTransaction("k" + value, c -> {
                f.insert(c, value);
                if (value == 1 && killOnce.getCount() > 0) {
                    killOnce.countDown();
                    terminate(c); // mid-batch: units 2 and 3 then run into a dead connection
                }
                return value;
            }));
            for (int n = 0; n < 4; n++) {
                assertEquals(n, writers.get(n).get(60, TimeUnit.SECONDS));
            }
            assertEquals(0L, killOnce.getCount(), "the batch's connection was killed");
            assertEquals(f.withHolders(0, 1, 2, 3), f.stored(), "every unit written exactly once");
        }
    }

    /** Ends the backend behind {@code c} from another session and waits until it is gone. */
    private static void terminate(Connection c) throws SQLException {
        int pid;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            pid = rs.getInt(1);
        }
        try (Connection admin = TestDatabases.adminConnection(); Statement st = admin.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_terminate_backend(" + pid + ", 30000)")) {
            rs.next();
            assertTrue(rs.getBoolean(1), "backend " + pid + " was terminated");
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
