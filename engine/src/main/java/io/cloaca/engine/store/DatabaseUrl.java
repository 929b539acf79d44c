package io.cloaca.engine.store;

import io.cloaca.engine.CloacaException;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A parsed database location. The accepted forms (DESIGN.md §4, upstream's later normalisation):
 * <ul>
 *   <li>{@code postgresql://user:pass@host:port/db} and {@code postgres://...}: PostgreSQL, the
 *       database named in the path is the one used;</li>
 *   <li>{@code sqlite://path}, {@code sqlite:///abs/path}, {@code file:path}, a bare path: a SQLite
 *       file ({@code ?query} parameters are dropped);</li>
 *   <li>{@code :memory:}, {@code sqlite://:memory:}, {@code sqlite:///:memory:}: one private
 *       in-memory database per runner, shared by all of that runner's connections.</li>
 * </ul>
 */
public sealed interface DatabaseUrl {

    String ACCEPTED = "postgresql://user:password@host:port/database, postgres://..., "
            + "sqlite://path/to/file.db, a file path, or :memory:";

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

    /**
     * A PostgreSQL database; {@code user}, {@code password} and {@code schema} may be null.
     *
     * @param schema the schema the engine's tables live in ({@code ?schema=} or {@code ?currentSchema=}
     *               in the URL), null for the role's default
     * @param jdbcParameters other query parameters, passed to the JDBC driver as they are (e.g. sslmode)
     */
    record Postgres(String host, int port, String database, String user, String password, String schema,
                    String jdbcParameters) implements DatabaseUrl {
        public String jdbcUrl() {
            return "jdbc:postgresql://" + host + ":" + port + "/" + database
                    + (jdbcParameters.isEmpty() ? "" : "?" + jdbcParameters);
        }

        @Override
        public String redacted() {
            String credentials = user == null ? "" : user + (password == null ? "" : ":***") + "@";
            return "postgresql://" + credentials + host + ":" + port + "/" + database
                    + (schema == null ? "" : "?schema=" + schema);
        }

        /** The same server and database, logged in as someone else, pinned to {@code newSchema}. */
        public Postgres withCredentials(String newUser, String newPassword, String newSchema) {
            return new Postgres(host, port, database, newUser, newPassword, newSchema, jdbcParameters);
        }

        /** The same location and login without a schema: what runners that may share a pool have in common. */
        public Postgres withoutSchema() {
            return new Postgres(host, port, database, user, password, null, jdbcParameters);
        }

        /** This URL as a {@code postgresql://} string, password included (for credentials handed to a tenant). */
        public String toUrlString() {
            String credentials = user == null ? "" : encode(user) + (password == null ? "" : ":" + encode(password)) + "@";
            String query = schema == null ? jdbcParameters
                    : "schema=" + encode(schema) + (jdbcParameters.isEmpty() ? "" : "&" + jdbcParameters);
            return "postgresql://" + credentials + host + ":" + port + "/" + encode(database)
                    + (query.isEmpty() ? "" : "?" + query);
        }
    }

    /**
     * Parses a URL or path.
     *
     * @throws CloacaException (INVALID_ARGUMENT) naming the accepted forms
     */
    static DatabaseUrl parse(String url) {
        if (url == null || url.isBlank()) {
            throw CloacaException.invalidArgument("Database URL is empty; accepted: " + ACCEPTED);
        }
        String trimmed = url.trim();
        String lower = trimmed.toLowerCase(Locale.ROOT);
        if (lower.startsWith("postgresql://") || lower.startsWith("postgres://")) {
            return parsePostgres(trimmed);
        }
        String path;
        if (lower.startsWith("sqlite://")) {
            path = trimmed.substring("sqlite://".length());
        } else if (lower.startsWith("sqlite:")) {
            path = trimmed.substring("sqlite:".length());
        } else if (lower.startsWith("file:")) {
            path = trimmed.substring("file:".length());
        } else if (lower.matches("^[a-z][a-z0-9+.-]*://.*")) {
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

    private static Postgres parsePostgres(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw CloacaException.invalidArgument("Invalid database URL: " + e.getReason() + "; accepted: " + ACCEPTED);
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw CloacaException.invalidArgument("Invalid database URL '" + redactAny(url)
                    + "': no host; expected postgresql://user:password@host:port/database");
        }
        String path = uri.getRawPath();
        String database = path == null ? "" : decode(path.replaceFirst("^/", ""));
        if (database.isEmpty() || database.contains("/")) {
            throw CloacaException.invalidArgument("Database name is required in URL path: '" + redactAny(url)
                    + "'; expected postgresql://user:password@host:port/database");
        }
        String user = null;
        String password = null;
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            password = colon < 0 ? null : decode(userInfo.substring(colon + 1));
        }
        String schema = null;
        List<String> passThrough = new ArrayList<>();
        String query = uri.getRawQuery();
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                String key = decode(eq < 0 ? pair : pair.substring(0, eq));
                if (key.equals("schema") || key.equals("currentSchema")) {
                    schema = decode(eq < 0 ? "" : pair.substring(eq + 1));
                } else if (!pair.isEmpty()) {
                    passThrough.add(pair);
                }
            }
        }
        return new Postgres(host, uri.getPort() < 0 ? 5432 : uri.getPort(), database, user, password,
                schema == null || schema.isEmpty() ? null : schema, String.join("&", passThrough));
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** Hides anything between {@code ://user:} and {@code @}. */
    static String redactAny(String url) {
        return url.replaceAll("(://[^:/@]*):[^@]*@", "$1:***@");
    }
}
