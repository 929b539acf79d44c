package io.cloaca.engine.store;

import io.cloaca.engine.CloacaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Readers of a SQLite WAL database, whose first connection must create the {@code -wal} and {@code -shm}
 * files: a reader leaves neither them nor a changed byte behind, and one in a folder it may not write to
 * is told why SQLite refuses it, not in SQLite's words about journals or the database file.
 */
class ReadOnlySqliteTest {

    @TempDir
    Path dir;

    @Test
    void a_reader_of_a_database_no_runner_has_open_leaves_no_files_and_changes_no_byte() throws Exception {
        Path file = walDatabase(dir.resolve("app.db"));
        byte[] before = Files.readAllBytes(file);

        readRows(file);

        assertFalse(Files.exists(Path.of(file + "-wal")), "the reader's -wal file is left");
        assertFalse(Files.exists(Path.of(file + "-shm")), "the reader's -shm file is left");
        assertArrayEquals(before, Files.readAllBytes(file));
    }

    @Test
    void a_reader_leaves_the_files_of_a_runner_that_has_the_database_open() throws Exception {
        Path file = walDatabase(dir.resolve("app.db"));
        try (Connection runner = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement st = runner.createStatement()) {
            st.execute("INSERT INTO t VALUES (1)");

            readRows(file);

            assertTrue(Files.exists(Path.of(file + "-shm")), "removed under a live connection");
            assertTrue(Files.size(Path.of(file + "-wal")) > 0, "the runner's commit is gone from its WAL");
        }
        assertFalse(Files.exists(Path.of(file + "-wal")), "SQLite removes it when the runner closes");
    }

    @Test
    void a_reader_leaves_a_wal_with_frames_for_a_runner_to_checkpoint() throws Exception {
        Path file = walDatabase(dir.resolve("app.db"));
        // A writer killed before closing leaves its committed frames in the WAL: copy them in that state.
        Path crashed = dir.resolve("crashed.db");
        try (Connection runner = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement st = runner.createStatement()) {
            st.execute("PRAGMA wal_autocheckpoint=0");
            st.execute("INSERT INTO t VALUES (1)");
            Files.copy(file, crashed);
            Files.copy(Path.of(file + "-wal"), Path.of(crashed + "-wal"));
        }
        byte[] before = Files.readAllBytes(crashed);

        assertEquals(1, readRows(crashed), "the reader sees the WAL's commit");

        assertArrayEquals(before, Files.readAllBytes(crashed), "the reader checkpointed into the database");
        assertTrue(Files.size(Path.of(crashed + "-wal")) > 0, "the WAL's frames are gone");
    }

    /** A WAL database with an empty table {@code t}, closed, so that no -wal or -shm file is left. */
    private static Path walDatabase(Path file) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            st.execute("PRAGMA journal_mode=WAL");
            st.execute("CREATE TABLE t (x INTEGER)");
        }
        assertFalse(Files.exists(Path.of(file + "-shm")), "SQLite removes it when the last connection closes");
        return file;
    }

    /** Counts {@code t}'s rows through {@link Database#openReadOnly}, as {@code cloaca executions} reads. */
    private static int readRows(Path file) throws Exception {
        try (Database database = Database.openReadOnly(DatabaseUrl.parse("sqlite://" + file), 1);
             Connection c = database.dataSource().getConnection();
             Statement st = c.createStatement();
             ResultSet rows = st.executeQuery("SELECT count(*) FROM t")) {
            rows.next();
            return rows.getInt(1);
        }
    }

    @Test
    void a_reader_that_may_not_create_the_shared_memory_file_is_told_so() throws Exception {
        Path folder = Files.createDirectory(dir.resolve("locked"));
        Path file = walDatabase(folder.resolve("app.db"));
        // Tests run as root, whom permissions do not stop; the immutable attribute stops every user.
        assumeTrue(run("chattr", "+i", folder.toString()) == 0, "chattr +i is not available here");
        try {
            assumeTrue(!Files.isWritable(folder), "the immutable attribute does not stop this user");
            DatabaseUrl url = DatabaseUrl.parse("sqlite://" + file);
            CloacaException e = assertThrows(CloacaException.class, () -> Database.openReadOnly(url, 1));
            assertEquals("Cannot open SQLite database '" + file + "' to read it: its runners keep it in WAL mode, "
                    + "whose readers need the file 'app.db-shm' beside it, created by the first to open it, and this "
                    + "user may not create files in '" + folder + "'; read it as a user who may (the one its runners "
                    + "run as), or while a runner has it open", e.getMessage());
        } finally {
            run("chattr", "-i", folder.toString());
        }
    }

    private static int run(String... command) throws Exception {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor();
        } catch (java.io.IOException notInstalled) {
            return -1;
        }
    }
}
