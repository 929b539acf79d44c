package io.cloaca.engine.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SQLite's write-ahead log is copied back off the writer lane, every so many commits. */
class WalCheckpointerTest {

    @Test
    void every_so_many_commits_ask_for_a_checkpoint_off_the_writer_lane(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("wal.db");
        try (Database db = Database.open(DatabaseUrl.parse("sqlite://" + file), 4, false)) {
            try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
                try (ResultSet rs = st.executeQuery("PRAGMA wal_autocheckpoint")) {
                    rs.next();
                    assertEquals(WalCheckpointer.FALLBACK_PAGES, rs.getInt(1), "the writers' own checkpoint is the fallback");
                }
            }
            WalCheckpointer checkpointer = db.checkpointer();
            for (int i = 1; i < WalCheckpointer.COMMITS_PER_CHECKPOINT; i++) {
                insert(db, i);
            }
            assertEquals(0, checkpointer.requested(), "none before the count is reached");
            assertTrue(Files.size(Path.of(file + "-wal")) > 0, "the commits are in the log");

            insert(db, WalCheckpointer.COMMITS_PER_CHECKPOINT);
            assertEquals(1, checkpointer.requested(), "the commit that reached the count asked for one");
            assertEquals(0, checkpointer.checkpointNow(), "nothing is left in the log that no reader holds");
        }
    }

    private static void insert(Database db, int i) {
        db.inTransaction(c -> {
            try (Statement st = c.createStatement()) {
                st.execute("INSERT INTO t (id, v) VALUES (" + i + ", 'x')");
            }
            return null;
        });
    }
}
