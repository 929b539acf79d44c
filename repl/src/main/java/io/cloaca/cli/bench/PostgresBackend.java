package io.cloaca.cli.bench;

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

/**
 * Fresh schemas on the given PostgreSQL database, dropped (with everything in them) on close: one for
 * the engine's tables (Flyway migrates only an empty or already-migrated schema) and {@code <name>_raw}
 * for the raw baseline's table.
 *
 * <p>{@code Runner.open} takes no schema yet (tenant runners are DESIGN §5), so the engine logs in as a
 * throwaway role that owns the schema and whose default {@code search_path} is that schema: it is set
 * once per physical connection by the server at log-in, never with {@code SET} on a pooled
 * connection. The raw baseline uses the given credentials and schema-qualified SQL.
 * Names and password are hex made here, so they are safe to splice into DDL (which takes no parameters).
 */
final class PostgresBackend implements Backend {

    private final DatabaseUrl.Postgres url;
    private final String name;
    private final String password;

    PostgresBackend(String postgresUrl) {
        if (!(DatabaseUrl.parse(postgresUrl) instanceof DatabaseUrl.Postgres pg)) {
            throw new IllegalArgumentException("--postgres needs a postgresql:// URL, got " + postgresUrl);
        }
        this.url = pg;
        SecureRandom random = new SecureRandom();
        byte[] id = new byte[4];
        random.nextBytes(id);
        byte[] secret = new byte[16];
        random.nextBytes(secret);
        this.name = "cloaca_bench_" + HexFormat.of().formatHex(id);
        this.password = HexFormat.of().formatHex(secret);
        try (Connection c = admin(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("CREATE ROLE " + name + " LOGIN PASSWORD '" + password + "'");
            st.execute("CREATE SCHEMA " + name + " AUTHORIZATION " + name);
            st.execute("ALTER ROLE " + name + " SET search_path = " + name);
            st.execute("CREATE SCHEMA " + name + "_raw");
            c.commit();
        } catch (SQLException e) {
            close();
            throw new IllegalStateException("Cannot prepare PostgreSQL schema " + name + " on " + url.redacted()
                    + ": " + e.getMessage(), e);
        }
    }

    private Connection admin() throws SQLException {
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

    /** The schema (and role) name, for messages. */
    String schema() {
        return name;
    }

    @Override
    public List<Setup> setups() {
        return List.of(new Setup("PostgreSQL", true, true));
    }

    @Override
    public String engineUrl(Setup setup) {
        return "postgresql://" + name + ":" + password + "@" + url.host() + ":" + url.port() + "/" + url.database();
    }

    @Override
    public Connection rawConnection(Setup setup) throws SQLException {
        return admin();
    }

    @Override
    public String rawTable() {
        return name + "_raw.bench_raw_tasks";
    }

    @Override
    public boolean singleWriter() {
        return false;
    }

    @Override
    public String version() {
        try (Connection c = admin(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW server_version")) {
            rs.next();
            String version = "PostgreSQL " + rs.getString(1);
            try (ResultSet sc = st.executeQuery("SHOW synchronous_commit")) {
                sc.next();
                version += ", synchronous_commit=" + sc.getString(1);
            }
            return version;
        } catch (SQLException e) {
            return "PostgreSQL (version unknown: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        try (Connection c = admin(); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
            st.execute("DROP SCHEMA IF EXISTS " + name + "_raw CASCADE");
            st.execute("DROP ROLE IF EXISTS " + name);
        } catch (SQLException e) {
            System.err.println("cloaca bench: could not drop schema/role " + name + ": " + e.getMessage());
        }
    }
}
