package io.cloaca.engine.store;

import io.cloaca.engine.CloacaException;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import static io.cloaca.engine.store.PostgresUrlParser.encode;

/**
 * A parsed database location. The accepted forms (README "Database URLs"):
 * <ul>
 *   <li>{@code postgresql://[user[:password]@]host[:port][,host[:port]...]/database[?param=value&...]}
 *       and {@code postgres://...}: PostgreSQL as libpq reads its URIs (percent-encoded user, password
 *       and database, IPv6 literals in brackets, several hosts, libpq and PgJDBC parameters such as
 *       {@code sslmode}), plus {@code jdbc:postgresql://...};</li>
 *   <li>{@code sqlite://path}, {@code sqlite:///abs/path}, {@code file:path}, a bare path: a SQLite
 *       file ({@code ?query} parameters are dropped);</li>
 *   <li>{@code :memory:}, {@code sqlite://:memory:}, {@code sqlite:///:memory:}: one private
 *       in-memory database per runner, shared by all of that runner's connections.</li>
 * </ul>
 * Parsed by hand rather than with {@link java.net.URI}, which rejects host names with underscores (as
 * container and compose service names have) and knows nothing of host lists.
 */
public sealed interface DatabaseUrl {

    /** The forms of a PostgreSQL URL, for messages of what needs PostgreSQL. */
    String POSTGRES_ACCEPTED = "postgresql://user:password@host:port/database or postgres://...";

    String ACCEPTED = "postgresql://user:password@host:port/database, postgres://..., "
            + "sqlite://path/to/file.db, a file path, or :memory:";

    /** The schemes {@link #parse} reads as PostgreSQL, also after a {@code jdbc:} prefix. */
    List<String> POSTGRES_SCHEMES = List.of("postgresql://", "postgres://");

    /** The URL with any password replaced by {@code ***}, for messages and logs. */
    String redacted();

    /** A SQLite database: a file, or (when {@code file} is null) a private in-memory one. */
    record Sqlite(Path file) implements DatabaseUrl {
        public boolean inMemory() {
            return file == null;
        }

        @Override
        public String redacted() {
            return inMemory() ? ":memory:" : "sqlite://" + file;
        }
    }

    /** One server of a PostgreSQL URL; {@code host} is an IPv6 address without its brackets. */
    record Endpoint(String host, int port) {
        @Override
        public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /**
     * A PostgreSQL database; {@code user}, {@code password} and {@code schema} may be null.
     *
     * @param endpoints      the servers, tried in order by the driver (one, usually)
     * @param schema         the schema the engine's tables live in ({@code ?schema=} or {@code ?currentSchema=}
     *                       in the URL), null for the role's default
     * @param jdbcParameters the other query parameters as PgJDBC names them, {@code name=value&...} with
     *                       values percent-encoded (libpq spellings such as {@code connect_timeout} are
     *                       translated when parsed)
     */
    record Postgres(List<Endpoint> endpoints, String database, String user, String password, String schema,
                    String jdbcParameters) implements DatabaseUrl {

        public Postgres {
            endpoints = List.copyOf(endpoints);
            if (endpoints.isEmpty()) {
                throw new IllegalArgumentException("a PostgreSQL URL needs at least one host");
            }
        }

        /** A single-server URL. */
        public Postgres(String host, int port, String database, String user, String password, String schema,
                        String jdbcParameters) {
            this(List.of(new Endpoint(host, port)), database, user, password, schema, jdbcParameters);
        }

        /** The first (usually only) server's host. */
        public String host() {
            return endpoints.get(0).host();
        }

        /** The first (usually only) server's port. */
        public int port() {
            return endpoints.get(0).port();
        }

        public String jdbcUrl() {
            return "jdbc:postgresql://" + hostList() + "/" + encode(database)
                    + (jdbcParameters.isEmpty() ? "" : "?" + jdbcParameters);
        }

        /** The decoded value of JDBC parameter {@code name}, or null when the URL does not set it. */
        public String jdbcParameter(String name) {
            for (String pair : jdbcParameters.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0 && pair.substring(0, eq).equals(name)) {
                    return PostgresUrlParser.percentDecode(pair.substring(eq + 1));
                }
            }
            return null;
        }

        @Override
        public String redacted() {
            String credentials = user == null ? "" : user + (password == null ? "" : ":***") + "@";
            return "postgresql://" + credentials + hostList() + "/" + database
                    + (schema == null ? "" : "?schema=" + schema);
        }

        /** The same server and database, logged in as someone else, pinned to {@code newSchema}. */
        public Postgres withCredentials(String newUser, String newPassword, String newSchema) {
            return new Postgres(endpoints, database, newUser, newPassword, newSchema, jdbcParameters);
        }

        /**
         * This URL pinned to {@code newSchema}.
         *
         * @throws CloacaException INVALID_ARGUMENT when the URL already pins another schema: which one was
         *     meant cannot be guessed, and using either silently misleads whoever reads the other
         */
        public Postgres pinnedTo(String newSchema) {
            if (schema != null && !schema.equals(newSchema)) {
                throw CloacaException.invalidArgument("Schema '" + newSchema + "' was asked for, but the URL pins schema '"
                        + schema + "'; drop ?schema= from the URL or give the same name in both");
            }
            return new Postgres(endpoints, database, user, password, newSchema, jdbcParameters);
        }

        /** The same location and login without a schema: what runners that may share a pool have in common. */
        public Postgres withoutSchema() {
            return new Postgres(endpoints, database, user, password, null, jdbcParameters);
        }

        /** This URL as a {@code postgresql://} string, password included (for credentials handed to a tenant). */
        public String toUrlString() {
            String credentials = user == null ? "" : encode(user) + (password == null ? "" : ":" + encode(password)) + "@";
            String query = schema == null ? jdbcParameters
                    : "schema=" + encode(schema) + (jdbcParameters.isEmpty() ? "" : "&" + jdbcParameters);
            return "postgresql://" + credentials + hostList() + "/" + encode(database)
                    + (query.isEmpty() ? "" : "?" + query);
        }

        private String hostList() {
            return endpoints.stream().map(Endpoint::toString).collect(Collectors.joining(","));
        }
    }

    /**
     * Parses a URL or path.
     *
     * @throws CloacaException (INVALID_ARGUMENT) saying what is wrong and naming the accepted forms;
     *     a password is never part of the message
     */
    static DatabaseUrl parse(String url) {
        if (url == null || url.isBlank()) {
            throw CloacaException.invalidArgument("Database URL is empty; accepted: " + ACCEPTED);
        }
        String trimmed = url.trim();
        String lower = trimmed.toLowerCase(Locale.ROOT);
        if (lower.startsWith("jdbc:")) {
            // A JDBC URL pasted from a Java configuration names the same database.
            return parse(trimmed.substring("jdbc:".length()));
        }
        for (String scheme : POSTGRES_SCHEMES) {
            if (lower.startsWith(scheme)) {
                return PostgresUrlParser.parse(trimmed, scheme.length());
            }
        }
        String path;
        if (lower.startsWith("sqlite://")) {
            path = trimmed.substring("sqlite://".length());
        } else if (lower.startsWith("sqlite:")) {
            path = trimmed.substring("sqlite:".length());
        } else if (lower.startsWith("file:")) {
            path = trimmed.substring("file:".length());
        } else if (lower.matches("^[a-z][a-z0-9+.-]*://.*") || lower.matches("^postgres(ql)?:.*")) {
            throw CloacaException.invalidArgument("Unsupported database URL '" + redactAny(trimmed)
                    + "'; accepted: " + ACCEPTED);
        } else {
            path = trimmed;
        }
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        if (path.equals(":memory:") || path.equals("/:memory:")) {
            return new Sqlite(null);
        }
        if (path.isEmpty()) {
            throw CloacaException.invalidArgument("SQLite URL '" + trimmed + "' names no file; accepted: " + ACCEPTED);
        }
        return new Sqlite(Path.of(path));
    }

    /** Whether {@code url} has a PostgreSQL scheme, so that {@link #parse} would read it (or refuse it) as one. */
    static boolean isPostgres(String url) {
        String lower = url == null ? "" : url.trim().toLowerCase(Locale.ROOT);
        String withoutJdbc = lower.startsWith("jdbc:") ? lower.substring("jdbc:".length()) : lower;
        return POSTGRES_SCHEMES.stream().anyMatch(withoutJdbc::startsWith);
    }

    /** Hides anything between {@code ://user:} and the last {@code @}, and the value of a {@code password=} parameter. */
    static String redactAny(String url) {
        return url.replaceAll("(://[^:/@]*):.*@", "$1:***@").replaceAll("([?&]password=)[^&]*", "$1***");
    }
}
