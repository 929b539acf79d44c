package io.cloaca.engine;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Where tests find their databases. The backend under test comes from the system property
 * {@code cloaca.test.backend} ({@code sqlite}, the default, or {@code postgresql}); the PostgreSQL
 * server from the environment variable {@code CLOACA_TEST_PG_URL}
 * (default {@code postgresql://postgres@127.0.0.1:5432/postgres}). Schemas made for tests are dropped
 * when the test JVM exits.
 */
public final class TestDatabases {

    public static final String PG_URL = System.getenv().getOrDefault("CLOACA_TEST_PG_URL",
            "postgresql://postgres@127.0.0.1:5432/postgres");
    private static final List<String> CREATED_SCHEMAS = new CopyOnWriteArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(TestDatabases::dropCreatedSchemas, "drop-test-schemas"));
    }

    private TestDatabases() {
    }

    public static boolean postgres() {
        return "postgresql".equals(System.getProperty("cloaca.test.backend", "sqlite"));
    }

    /** A URL no other test uses: {@code :memory:} on SQLite, a new schema on PostgreSQL. */
    public static String privateDatabaseUrl() {
        return postgres() ? PG_URL + "?schema=" + newSchemaName() : ":memory:";
    }

    /**
     * A database that several runners (and processes) of a test share.
     *
     * @param schema the PostgreSQL schema, null on SQLite
     */
    public record Shared(String url, String schema) {
    }

    /** A new schema on PostgreSQL, else the SQLite file {@code sqliteFile}. */
    public static Shared shared(java.nio.file.Path sqliteFile) {
        if (postgres()) {
            String schema = newSchemaName();
            return new Shared(PG_URL + "?schema=" + schema, schema);
        }
        return new Shared("sqlite://" + sqliteFile.toAbsolutePath(), null);
    }

    /**
     * A URL no other test uses that several runners (processes, as far as the engine can tell) can
     * share: file {@code file} in {@code dir} on SQLite, a new schema on PostgreSQL.
     */
    public static String sharedDatabaseUrl(java.nio.file.Path dir, String file) {
        return shared(dir.resolve(file)).url();
    }

    /** A fresh schema name, dropped at JVM exit. */
    public static String newSchemaName() {
        String name = "cloaca_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        CREATED_SCHEMAS.add(name);
        return name;
    }

    /** A superuser connection to the test server. */
    public static Connection adminConnection() throws SQLException {
        var url = io.cloaca.engine.store.DatabaseUrl.parse(PG_URL);
        var pg = (io.cloaca.engine.store.DatabaseUrl.Postgres) url;
        return DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
    }

    /**
     * A session of its own holding advisory lock {@code key}, as another process's liveness connection
     * ({@code ApplicationName} "cloaca-liveness", when {@code asLiveness}) or another application's would.
     */
    public static Connection holdAdvisoryLock(long key, boolean asLiveness) throws SQLException {
        var pg = (io.cloaca.engine.store.DatabaseUrl.Postgres) io.cloaca.engine.store.DatabaseUrl.parse(PG_URL);
        java.util.Properties props = new java.util.Properties();
        if (pg.user() != null) {
            props.setProperty("user", pg.user());
        }
        if (pg.password() != null) {
            props.setProperty("password", pg.password());
        }
        props.setProperty("ApplicationName", asLiveness ? "cloaca-liveness" : "some-application");
        Connection c = DriverManager.getConnection(pg.jdbcUrl(), props);
        try (Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_lock(" + key + ")");
        }
        return c;
    }

    /** Closes {@code session} and waits until the server has let its advisory lock {@code key} go. */
    public static void releaseAdvisoryLock(Connection session, long key) throws SQLException, InterruptedException {
        session.close();
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        try (Connection admin = adminConnection(); Statement st = admin.createStatement()) {
            while (System.nanoTime() < deadline) {
                try (var rs = st.executeQuery("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                        + " AND ((classid::bigint << 32) | objid::bigint) = " + key)) {
                    rs.next();
                    if (rs.getInt(1) == 0) {
                        return;
                    }
                }
                Thread.sleep(5); // the backend exits after the close, asynchronously
            }
        }
        throw new AssertionError("the server kept advisory lock " + key);
    }

    private static void dropCreatedSchemas() {
        if (CREATED_SCHEMAS.isEmpty()) {
            return;
        }
        try (Connection c = adminConnection(); Statement st = c.createStatement()) {
            for (String schema : CREATED_SCHEMAS) {
                st.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
            }
        } catch (SQLException e) {
            System.err.println("Could not drop test schemas " + CREATED_SCHEMAS + ": " + e.getMessage());
        }
    }
}
