package io.cloaca.engine.store;

import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteOpenMode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The {@code -wal} and {@code -shm} files a read-only reader leaves beside a WAL database. The first
 * connection to a WAL database creates them and the last to close removes them, but only if it may
 * write: a read-only reader that opened a database no runner had open would leave them behind. So once
 * the reader's pool is closed, one writable connection opens and closes, and SQLite does its usual
 * clean-up, which it skips while any other connection (a runner's) still has the database open.
 */
final class SqliteReaderFiles {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SqliteReaderFiles.class);

    private SqliteReaderFiles() {
    }

    /** Lets SQLite remove {@code database}'s WAL files if nothing else has it open and the WAL holds nothing. */
    static void removeIfUnused(Path database) {
        Path wal = Path.of(database + "-wal");
        try {
            if (Files.size(wal) > 0) {
                // Closing would checkpoint those frames into the database, whose bytes a reader never changes;
                // the next runner to close it does that.
                return;
            }
        } catch (NoSuchFileException gone) {
            if (!Files.exists(Path.of(database + "-shm"))) {
                return;
            }
        } catch (IOException e) {
            LOG.debug("Cannot read the size of {}: {}", wal, e.getMessage());
            return;
        }
        SQLiteConfig config = new SQLiteConfig();
        // Never create the database: it may have been removed since it was read.
        config.resetOpenMode(SQLiteOpenMode.CREATE);
        config.setBusyTimeout(0);
        try (Connection c = config.createConnection("jdbc:sqlite:" + database);
             Statement st = c.createStatement()) {
            // The WAL files are opened with the first read, and SQLite cleans up only those it opened.
            st.executeQuery("PRAGMA schema_version").close();
        } catch (SQLException e) {
            // A user who may not write the database gets a read-only connection, which leaves them too.
            LOG.debug("Left the WAL files of {} in place: {}", database, e.getMessage());
        }
    }
}
