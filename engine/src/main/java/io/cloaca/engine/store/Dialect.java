package io.cloaca.engine.store;

/** The capability questions the store asks of each database: one small seam, nothing else differs. */
public enum Dialect {
    SQLITE("sqlite", true),
    POSTGRESQL("postgresql", false);

    private final String migrationFolder;
    private final boolean singleWriter;

    Dialect(String migrationFolder, boolean singleWriter) {
        this.migrationFolder = migrationFolder;
        this.singleWriter = singleWriter;
    }

    /**
     * Suffix that row-locks what a SELECT reads until commit. PostgreSQL needs it so that two tasks of
     * one execution finishing at once cannot both miss that their common dependent became ready;
     * SQLite has no row locks and needs none, its writers being serialised.
     */
    public String forUpdate() {
        return singleWriter ? "" : " FOR UPDATE";
    }

    /**
     * Suffix that row-locks what a SELECT reads, passing over rows other transactions hold (PostgreSQL),
     * for writes that must never wait in a lock order of their own; SQLite needs none.
     */
    public String forUpdateSkipLocked() {
        return singleWriter ? "" : " FOR UPDATE SKIP LOCKED";
    }

    /**
     * SQL for the database's time in epoch milliseconds, with exactly one bound parameter (see
     * {@link StoreTables#bindNow}): on PostgreSQL the server's clock plus an offset, so that leases written
     * by hosts whose clocks disagree are measured on one clock; on SQLite the parameter itself, since
     * every process using a SQLite file runs on the file's host and reads the same clock.
     */
    public String nowMillis() {
        return singleWriter ? "?" : "(CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT) + ?)";
    }

    /** Flyway location of this dialect's migrations. */
    public String migrationLocation() {
        return "classpath:" + migrationFolderPath();
    }

    /** Classpath folder of this dialect's migrations. */
    String migrationFolderPath() {
        return "db/migration/" + migrationFolder;
    }

    /**
     * SQLite allows one writer per file: writes from this process are queued on a lock instead of
     * spinning in SQLite's busy handler, which sleeps; {@code busy_timeout} still covers other processes.
     */
    public boolean singleWriter() {
        return singleWriter;
    }
}
