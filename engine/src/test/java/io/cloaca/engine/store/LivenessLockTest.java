package io.cloaca.engine.store;

import io.cloaca.engine.TestDatabases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The liveness lock across real processes: another process's owner is alive while that process runs
 * and dead as soon as it is killed (SIGKILL, no clean-up); a process never finds itself dead; a
 * PostgreSQL lock whose connection is cut is taken again. On both backends.
 */
class LivenessLockTest {

    @TempDir
    Path dir;

    private String url() {
        return TestDatabases.postgres() ? TestDatabases.PG_URL : "sqlite://" + dir.resolve("liveness.db");
    }

    /** Holds a liveness lock on the database named by {@code args[0]}, prints its owner, and waits to be killed. */
    public static void main(String[] args) throws Exception {
        Database database = Database.open(DatabaseUrl.parse(args[0]), 1, true);
        LivenessLock lock = LivenessLock.open(database);
        System.out.println("owner " + lock.owner());
        System.out.flush();
        new CountDownLatch(1).await();
    }

    @Test
    void another_process_is_alive_while_it_runs_and_dead_once_killed() throws Exception {
        String url = url();
        String java = ProcessHandle.current().info().command().orElse("java");
        Process holder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", LivenessLockTest.class.getName(), url)
                .redirectErrorStream(true).start();
        try (Database database = Database.open(DatabaseUrl.parse(url), 2, true);
             LivenessLock mine = LivenessLock.open(database)) {
            String line = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            assertTrue(line != null && line.startsWith("owner "), "holder did not start: " + line);
            String owner = line.substring("owner ".length());

            assertEquals(Set.of(), mine.deadAmong(Set.of(owner, mine.owner())), "both processes are alive");

            holder.destroyForcibly();
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
            // The OS releases a file lock with the process; PostgreSQL ends the session when it reads the
            // closed socket, a moment after the process is gone: wait for that, do not guess a delay.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (mine.deadAmong(Set.of(owner)).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(Set.of(owner), mine.deadAmong(Set.of(owner, mine.owner())),
                    "the killed process's owner is dead, this one is not");
            assertEquals(Set.of(), mine.deadAmong(Set.of("not-an-owner-this-engine-wrote")),
                    "an owner the engine cannot judge is left to its lease");
        } finally {
            holder.destroyForcibly();
        }
    }

    @Test
    void a_sqlite_owner_file_goes_with_a_clean_close_and_the_folder_with_the_last_owner() throws Exception {
        assumeTrue(!TestDatabases.postgres());
        Path file = dir.resolve("clean.db");
        try (Database database = Database.open(DatabaseUrl.parse("sqlite://" + file), 1, true)) {
            Path owners = dir.resolve("clean.db-owners");
            String first;
            try (LivenessLock stays = LivenessLock.open(database)) {
                try (LivenessLock lock = LivenessLock.open(database)) {
                    first = lock.owner();
                    assertTrue(Files.exists(owners.resolve(first + ".lock")));
                }
                assertFalse(Files.exists(owners.resolve(first + ".lock")));
                assertTrue(Files.exists(owners.resolve(stays.owner() + ".lock")), "another owner's file went");
            }
            assertFalse(Files.exists(owners), "the last owner to leave left the folder beside the database");

            try (LivenessLock next = LivenessLock.open(database)) {
                assertTrue(Files.exists(owners.resolve(next.owner() + ".lock")), "the folder was not made again");
            }
        }
    }

    @Test
    void a_postgresql_lock_whose_connection_is_cut_is_taken_again() throws Exception {
        assumeTrue(TestDatabases.postgres());
        try (Database database = Database.open(DatabaseUrl.parse(TestDatabases.PG_URL), 1, true);
             LivenessLock lock = LivenessLock.open(database);
             Connection admin = TestDatabases.adminConnection(); Statement st = admin.createStatement()) {
            long key = Long.parseLong(lock.owner());
            String holders = "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted"
                    + " AND classid = " + (key >>> 32) + " AND objid = " + (key & 0xffffffffL);
            st.execute("SELECT pg_terminate_backend(pid) FROM (" + holders + ") held");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            boolean held = false;
            while (!held && System.nanoTime() < deadline) {
                lock.check();
                try (ResultSet rs = st.executeQuery(holders)) {
                    held = rs.next();
                }
            }
            assertTrue(held, "the lock was not taken again");
        }
    }
}
