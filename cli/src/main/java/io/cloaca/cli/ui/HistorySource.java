package io.cloaca.cli.ui;

import io.cloaca.engine.CloacaException;
import io.cloaca.cli.ExecutionStarters;
import io.cloaca.engine.store.Database;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.ExecutionHistory;
import io.cloaca.engine.store.StartedBy;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The database the UI reads, opened on first use and reopened after a failure: the server starts and
 * stays up while the database is unreachable (or a SQLite file not yet created), and every request
 * that needs it says why it is not there. Never writes, never creates a SQLite file.
 */
final class HistorySource implements AutoCloseable {

    /** How long after a failed open the next request tries again; requests in between get the same error. */
    private static final Duration REOPEN_AFTER = Duration.ofSeconds(2);
    private static final int POOL_SIZE = 4;

    private final DatabaseUrl url;
    private Database database;
    private CloacaException lastFailure;
    private long retryAtNanos;
    private boolean closed;

    HistorySource(DatabaseUrl url) {
        if (url instanceof DatabaseUrl.Sqlite sqlite && sqlite.inMemory()) {
            throw CloacaException.invalidArgument(Database.IN_MEMORY_IS_PRIVATE);
        }
        this.url = url;
    }

    /** The URL without its password, for the page and the log. */
    String describe() {
        return url.redacted();
    }

    /** A PostgreSQL URL without a schema: the page offers the schemas that hold cloaca tables. */
    boolean offersSchemas() {
        return url instanceof DatabaseUrl.Postgres pg && pg.schema() == null;
    }

    /** The schema the URL names, or null. */
    String fixedSchema() {
        return url instanceof DatabaseUrl.Postgres pg ? pg.schema() : null;
    }

    /** The history of {@code schema} (null: the URL's schema, or the connection's default). */
    ExecutionHistory history(String schema) {
        return new ExecutionHistory(database(), schema != null ? schema : fixedSchema());
    }

    /** Which of {@code executionIds} a cron schedule or a trigger started, by execution id. */
    Map<String, StartedBy> starters(String schema, Collection<String> executionIds) {
        return new ExecutionStarters(database(), schema != null ? schema : fixedSchema()).of(executionIds);
    }

    /** Schemas of a PostgreSQL database that hold cloaca tables. */
    List<String> schemas() {
        return ExecutionHistory.schemasWithTables(database());
    }

    private synchronized Database database() {
        if (closed) {
            throw CloacaException.illegalState("the UI is shutting down");
        }
        if (database != null) {
            return database;
        }
        if (lastFailure != null && System.nanoTime() < retryAtNanos) {
            throw lastFailure;
        }
        try {
            database = Database.openReadOnly(url, POOL_SIZE);
            lastFailure = null;
            return database;
        } catch (CloacaException e) {
            lastFailure = e;
            retryAtNanos = System.nanoTime() + REOPEN_AFTER.toNanos();
            throw e;
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (database != null) {
            database.close();
            database = null;
        }
    }
}
