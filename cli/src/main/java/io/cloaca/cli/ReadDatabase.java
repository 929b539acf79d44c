package io.cloaca.cli;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.store.Database;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.ExecutionHistory;
import io.cloaca.engine.tenancy.Identifiers;

/**
 * Opens the database an operator command reads (from {@code --database} or {@code DATABASE_URL}), read-only
 * (a SQLite file is never created or changed), refusing what cannot hold history: an in-memory URL, a SQLite
 * path with no file, a file that is not a SQLite database.
 */
record ReadDatabase(Database database, String schema) implements AutoCloseable {

    /** Why the database could not be opened; the command prints it and exits with {@link #exitCode}. */
    static final class Refused extends Exception {
        final int exitCode;

        Refused(String message, int exitCode) {
            super(message);
            this.exitCode = exitCode;
        }
    }

    /** @param schema a PostgreSQL schema overriding the URL's {@code ?schema=}, or null */
    static ReadDatabase open(String database, String schema) throws Refused {
        return open(database, schema, null);
    }

    /**
     * As {@link #open(String, String)}, for commands that need PostgreSQL (roles, schemas).
     *
     * @param postgresOnly why the command needs PostgreSQL, said (exit code 2) with the PostgreSQL forms
     *                     when the URL is anything else; null accepts SQLite too
     */
    static ReadDatabase open(String database, String schema, String postgresOnly) throws Refused {
        DatabaseUrl parsed = url(database, schema, postgresOnly);
        try {
            String effective = schema != null ? schema : parsed instanceof DatabaseUrl.Postgres pg ? pg.schema() : null;
            return new ReadDatabase(Database.openReadOnly(parsed, 1), effective);
        } catch (CloacaException e) {
            // A missing or foreign SQLite file is "what was asked for does not exist", as no tables are.
            throw new Refused(e.getMessage(), e.kind() == CloacaException.Kind.INVALID_ARGUMENT ? 2 : 1);
        }
    }

    /**
     * The URL from {@code --database} or {@code DATABASE_URL}, checked without connecting: well formed,
     * and {@code schema} (if any) a valid schema name on PostgreSQL.
     *
     * @param postgresOnly why the command needs PostgreSQL, said (exit code 2) with the PostgreSQL forms
     *                     when the URL is anything else; null accepts SQLite too
     */
    static DatabaseUrl url(String database, String schema, String postgresOnly) throws Refused {
        String url = database != null ? database : System.getenv("DATABASE_URL");
        if (url == null || url.isBlank()) {
            throw new Refused("give --database URL or set DATABASE_URL", 2);
        }
        if (postgresOnly != null && !DatabaseUrl.isPostgres(url)) {
            // Judged before parsing, so the accepted forms listed are this command's, not every database's.
            throw new Refused(postgresOnly + "; '" + DatabaseUrl.redactAny(url.trim()) + "' is not a PostgreSQL URL;"
                    + " accepted: " + DatabaseUrl.POSTGRES_ACCEPTED, 2);
        }
        try {
            DatabaseUrl parsed = DatabaseUrl.parse(url);
            if (schema != null) {
                if (!(parsed instanceof DatabaseUrl.Postgres)) {
                    throw new Refused("--schema needs a PostgreSQL URL; a SQLite database has no schemas", 2);
                }
                Identifiers.schema(schema);
            }
            return parsed;
        } catch (CloacaException e) {
            throw new Refused(e.getMessage(), 2);
        }
    }

    /**
     * Refuses (exit 1) a database or schema whose cloaca tables are absent, or that this login may not
     * read, before a command's queries would fail with the server's words for either.
     */
    void requireTables() throws Refused {
        String where = (schema != null ? "schema " + schema + " of " : "") + "this database";
        switch (new ExecutionHistory(database, schema).tables()) {
            case ABSENT -> throw new Refused("no cloaca tables in " + where, 1);
            case NOT_READABLE -> throw new Refused("permission denied: this login may not read the cloaca tables in "
                    + where, 1);
            case READABLE -> {
            }
        }
    }

    /** A message on one line: PostgreSQL's carry Detail, Hint and Position on lines of their own. */
    static String oneLine(String message) {
        return message == null ? "" : message.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    @Override
    public void close() {
        database.close();
    }
}
