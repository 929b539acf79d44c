package io.cloaca.bench;

import io.cloaca.engine.store.Database;
import org.sqlite.SQLiteConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SQLite files in a private temporary directory: a fresh file per engine runner, and one per setup for
 * the raw baseline, opened with the engine's pragmas (WAL, busy timeout, foreign keys, synchronous,
 * {@code BEGIN IMMEDIATE}).
 */
final class SqliteBackend implements Backend {

    private final Path directory;
    private final Map<Setup, Path> rawFiles = new HashMap<>();
    private int files;

    SqliteBackend() {
        try {
            directory = Files.createTempDirectory("cloaca-bench-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The file system the files live on (for the machine facts), e.g. "ext4 (/tmp/cloaca-bench-1)". */
    String fileSystem() {
        try {
            return Files.getFileStore(directory).type() + " (" + directory.getParent() + ")";
        } catch (IOException e) {
            return "unknown (" + directory.getParent() + ")";
        }
    }

    @Override
    public List<Setup> setups() {
        return List.of(new Setup("SQLite FULL", true, false), new Setup("SQLite NORMAL", false, false));
    }

    @Override
    public synchronized String engineUrl(Setup setup) {
        return newFile("engine").toString();
    }

    private synchronized Path newFile(String kind) {
        return directory.resolve(kind + "-" + (++files) + ".db");
    }

    @Override
    public Connection rawConnection(Setup setup) throws SQLException {
        Path file = rawFile(setup);
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setBusyTimeout(Database.SQLITE_BUSY_TIMEOUT_MS);
        config.enforceForeignKeys(true);
        config.setSynchronous(setup.sqliteDurable() ? SQLiteConfig.SynchronousMode.FULL
                : SQLiteConfig.SynchronousMode.NORMAL);
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        return config.createConnection("jdbc:sqlite:" + file);
    }

    @Override
    public String rawTable(String name) {
        return name;
    }

    @Override
    public String rawEngineUrl(Setup setup) {
        return rawFile(setup).toString();
    }

    private synchronized Path rawFile(Setup setup) {
        return rawFiles.computeIfAbsent(setup, s -> newFile("raw"));
    }

    @Override
    public boolean singleWriter() {
        return true;
    }

    @Override
    public String version() {
        try (Connection c = new SQLiteConfig().createConnection("jdbc:sqlite::memory:");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT sqlite_version()")) {
            rs.next();
            return "SQLite " + rs.getString(1);
        } catch (SQLException e) {
            return "SQLite (version unknown: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        List<Path> paths = new ArrayList<>();
        try (var list = Files.list(directory)) {
            list.forEach(paths::add);
        } catch (IOException ignored) {
            // nothing to delete
        }
        for (Path p : paths) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // the OS cleans its temp dir
            }
        }
        try {
            Files.deleteIfExists(directory);
        } catch (IOException ignored) {
            // not empty: a file was still open
        }
    }
}
