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
     * A URL no other test uses that several runners (processes, as far as the engine can tell) can
     * share: file {@code file} in {@code dir} on SQLite, a new schema on PostgreSQL.
     */
    public static String sharedDatabaseUrl(java.nio.file.Path dir, String file) {
        return postgres() ? PG_URL + "?schema=" + newSchemaName() : "sqlite://" + dir.resolve(file);
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
