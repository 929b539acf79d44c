package io.cloaca.cli;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.store.Database;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.tenancy.Identifiers;

import java.nio.file.Files;

/**
 * Opens the database an operator command reads (from {@code --database} or {@code DATABASE_URL}),
 * refusing what cannot hold history: an in-memory URL, or a SQLite path with no file.
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
        String url = database != null ? database : System.getenv("DATABASE_URL");
        if (url == null || url.isBlank()) {
            throw new Refused("give --database URL or set DATABASE_URL", 2);
        }
        if (postgresOnly != null && !DatabaseUrl.isPostgres(url)) {
            // Judged before parsing, so the accepted forms listed are this command's, not every database's.
            throw new Refused(postgresOnly + "; '" + DatabaseUrl.redactAny(url.trim()) + "' is not a PostgreSQL URL;"
                    + " accepted: " + DatabaseUrl.POSTGRES_ACCEPTED, 2);
        }
        DatabaseUrl parsed;
        try {
            parsed = DatabaseUrl.parse(url);
            if (schema != null) {
                if (!(parsed instanceof DatabaseUrl.Postgres)) {
                    throw new Refused("--schema needs a PostgreSQL URL; a SQLite database has no schemas", 2);
                }
                Identifiers.schema(schema);
            }
        } catch (CloacaException e) {
            throw new Refused(e.getMessage(), 2);
        }
        if (parsed instanceof DatabaseUrl.Sqlite sqlite && (sqlite.inMemory() || !Files.isRegularFile(sqlite.file()))) {
            throw new Refused(sqlite.inMemory()
                    ? "an in-memory database belongs to the process that made it; give a file or PostgreSQL URL"
                    : "no SQLite database at " + sqlite.file(), 2);
        }
        try {
            String effective = schema != null ? schema : parsed instanceof DatabaseUrl.Postgres pg ? pg.schema() : null;
            return new ReadDatabase(Database.open(parsed, 1, true), effective);
        } catch (CloacaException e) {
            throw new Refused(e.getMessage(), 1);
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
