package io.cloaca.bench;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * A database to measure: where the engine's runners point, and plain JDBC connections to the same
 * kind of database, with the same settings, for the raw baseline.
 */
interface Backend extends AutoCloseable {

    /** The configurations measured on this backend. */
    List<Setup> setups();

    /** A URL for {@link io.cloaca.engine.execution.Runner#open}; SQLite gives a fresh file on every call. */
    String engineUrl(Setup setup);

    /**
     * A new plain JDBC connection for the raw baseline, in auto-commit mode. Callers turn auto-commit off
     * for each transaction and back on after it, as the engine's {@code Database} does: SQLite's driver
     * begins the next transaction as soon as auto-commit is off, which would hold the write lock.
     */
    Connection rawConnection(Setup setup) throws SQLException;

    /**
     * The qualified name of table {@code name} in the database the raw connections reach: the raw
     * baseline's own ({@link RawTaskTable}) or the engine's tables migrated there ({@link RawEngineRows}).
     */
    String rawTable(String name);

    /**
     * A URL for the engine's migrations to create its tables where the raw connections reach (SQLite: the
     * setup's raw file; PostgreSQL: the raw schema), for {@link RawEngineRows}.
     */
    String rawEngineUrl(Setup setup);

    /** Whether writers must take turns in this JVM, as the engine's {@code Database} makes them (SQLite). */
    boolean singleWriter();

    /** Version of the database server or library, for the machine facts. */
    String version();

    /** Deletes everything this backend created. */
    @Override
    void close();
}
