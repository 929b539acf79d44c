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

    /** Flyway location of this dialect's migrations. */
    public String migrationLocation() {
        return "classpath:db/migration/" + migrationFolder;
    }

    /**
     * SQLite allows one writer per file: writes from this process are queued on a lock instead of
     * spinning in SQLite's busy handler, which sleeps; {@code busy_timeout} still covers other processes.
     */
    public boolean singleWriter() {
        return singleWriter;
    }
}
