package io.cloaca.engine.store;

import io.cloaca.engine.CloacaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A reader of a SQLite database in a folder it may not write to: in WAL mode the first connection must
 * create the {@code -shm} file, so SQLite refuses the reader in words about journals or the database file.
 */
class ReadOnlySqliteTest {

    @TempDir
    Path dir;

    @Test
    void a_reader_that_may_not_create_the_shared_memory_file_is_told_so() throws Exception {
        Path folder = Files.createDirectory(dir.resolve("locked"));
        Path file = folder.resolve("app.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            st.execute("PRAGMA journal_mode=WAL");
            st.execute("CREATE TABLE t (x INTEGER)");
        }
        assertFalse(Files.exists(Path.of(file + "-shm")), "SQLite removes it when the last connection closes");
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
