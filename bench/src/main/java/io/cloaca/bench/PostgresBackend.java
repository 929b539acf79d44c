package io.cloaca.bench;

import io.cloaca.engine.store.DatabaseUrl;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Fresh schemas on the given PostgreSQL database, dropped (with everything in them) on close, or by a
 * shutdown hook if the run is interrupted: {@code cloaca_bench_<hex>} for the engine, which runners
 * reach with {@code ?schema=} (the engine creates, migrates and qualifies it), and
 * {@code cloaca_bench_<hex>_raw} for the raw baseline's table. The names are hex made here, so they are
 * safe to splice into DDL.
 */
final class PostgresBackend implements Backend {

    private final DatabaseUrl.Postgres url;
    private final String schema;
    private final String rawSchema;
    private final AtomicBoolean dropped = new AtomicBoolean();
    private final Thread dropOnExit;

    PostgresBackend(String postgresUrl) {
        if (!(DatabaseUrl.parse(postgresUrl) instanceof DatabaseUrl.Postgres pg)) {
            throw new IllegalArgumentException("--postgres needs a postgresql:// URL, got " + postgresUrl);
        }
        this.url = pg.withoutSchema();
        byte[] id = new byte[4];
        new SecureRandom().nextBytes(id);
        this.schema = "cloaca_bench_" + HexFormat.of().formatHex(id);
        this.rawSchema = schema + "_raw";
        this.dropOnExit = new Thread(this::drop, "cloaca-bench-drop-schemas");
        Runtime.getRuntime().addShutdownHook(dropOnExit);
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + rawSchema);
        } catch (SQLException e) {
            dropped.set(true); // CREATE SCHEMA failed as a whole: there is nothing to drop
            close();
            throw new IllegalStateException("Cannot create schema " + rawSchema + " on " + url.redacted() + ": "
                    + e.getMessage(), e);
        }
    }

    private Connection connect() throws SQLException {
        Properties props = new Properties();
        if (url.user() != null) {
            props.setProperty("user", url.user());
        }
        if (url.password() != null) {
            props.setProperty("password", url.password());
        }
        props.setProperty("ApplicationName", "cloaca-bench");
        return DriverManager.getConnection(url.jdbcUrl(), props);
    }

    /** The engine's schema name; the raw baseline's is this plus "_raw". */
    String schema() {
        return schema;
    }

    @Override
    public List<Setup> setups() {
        return List.of(new Setup("PostgreSQL", true, true));
    }

    @Override
    public String engineUrl(Setup setup) {
        return url.withCredentials(url.user(), url.password(), schema).toUrlString();
    }

    @Override
    public Connection rawConnection(Setup setup) throws SQLException {
        return connect();
    }

    @Override
    public String rawTable(String name) {
        return rawSchema + "." + name;
    }

    @Override
    public String rawEngineUrl(Setup setup) {
        return url.withCredentials(url.user(), url.password(), rawSchema).toUrlString();
    }

    @Override
    public boolean singleWriter() {
        return false;
    }

    @Override
    public String version() {
        try (Connection c = connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_setting('server_version'),"
                     + " current_setting('synchronous_commit'), current_setting('fsync')")) {
            rs.next();
            return "PostgreSQL " + rs.getString(1) + ", synchronous_commit=" + rs.getString(2) + ", fsync="
                    + rs.getString(3);
        } catch (SQLException e) {
            return "PostgreSQL (version unknown: " + e.getMessage() + ")";
        }
    }

    private void drop() {
        if (!dropped.compareAndSet(false, true)) {
            return;
        }
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            st.execute("DROP SCHEMA IF EXISTS " + rawSchema + " CASCADE");
        } catch (SQLException e) {
            System.err.println("cloaca bench: could not drop schemas " + schema + " and " + rawSchema + ": "
                    + e.getMessage());
        }
    }

    @Override
    public void close() {
        drop();
        try {
            Runtime.getRuntime().removeShutdownHook(dropOnExit);
        } catch (IllegalStateException ignored) {
            // already shutting down: the hook has run or will find the schemas dropped
        }
    }
}
