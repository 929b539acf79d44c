package io.cloaca.engine.tenancy;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.store.Database;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.Dialect;
import io.cloaca.engine.store.Migrations;
import org.postgresql.PGConnection;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Creates and removes tenants on PostgreSQL: one schema per tenant, owned by one login role that can
 * reach nothing else the engine stores.
 *
 * <p>What a tenant gets: a role with LOGIN and a SCRAM password (computed by the driver, so the
 * plaintext never reaches the server or its logs); a schema owned by that role, holding the engine's
 * tables, also owned by it; {@code search_path} set to that schema for the role. Other tenants' roles
 * have no privilege on it. Catalog metadata (table names, row estimates) stays visible to every role,
 * as PostgreSQL shows it to all.
 *
 * <p>The admin URL's login needs CREATEROLE and CREATE on the database (a superuser has both).
 */
public final class TenantAdmin {

    private final DatabaseUrl.Postgres admin;

    /**
     * @throws CloacaException (INVALID_ARGUMENT) unless {@code adminUrl} is a PostgreSQL URL with a database
     */
    public TenantAdmin(String adminUrl) {
        DatabaseUrl url = DatabaseUrl.parse(adminUrl);
        if (!(url instanceof DatabaseUrl.Postgres pg)) {
            throw CloacaException.invalidArgument("DatabaseAdmin requires a PostgreSQL connection. SQLite does not "
                    + "support database schemas or user management. Use a PostgreSQL URL like "
                    + "'postgres://user:pass@host/db'");
        }
        this.admin = pg;
    }

    /**
     * Creates role {@code username} and schema {@code schema} with the engine's tables. Role and schema
     * are created in one transaction; the tables right after, and if that fails both are dropped again,
     * so a failure leaves nothing behind.
     *
     * @param password the role's password; null or empty generates 32 random alphanumerics
     * @throws CloacaException INVALID_ARGUMENT for invalid names (nothing is created), STORAGE when the
     *     server refuses (e.g. the role or schema already exists: the existing one is left untouched)
     */
    public TenantCredentials createTenant(String schema, String username, String password) {
        Identifiers.schema(schema);
        Identifiers.role(username);
        String secret = password == null || password.isEmpty() ? Passwords.generate() : password;
        String s = Identifiers.quote(schema);
        String u = Identifiers.quote(username);
        transaction(c -> {
            execute(c, "CREATE ROLE " + u + " LOGIN");
            c.unwrap(PGConnection.class).alterUserPassword(username, secret.toCharArray(), "scram-sha-256");
            execute(c, "CREATE SCHEMA " + s + " AUTHORIZATION " + u);
            execute(c, "ALTER ROLE " + u + " SET search_path = " + s);
            execute(c, "GRANT CONNECT ON DATABASE " + Identifiers.quote(databaseName(c)) + " TO " + u);
        });
        try {
            Migrations.migrate(Dialect.POSTGRESQL, admin.jdbcUrl(), admin.user(), admin.password(), schema);
            transaction(c -> {
                for (String table : tablesOf(c, schema)) {
                    execute(c, "ALTER TABLE " + s + "." + Identifiers.quote(table) + " OWNER TO " + u);
                }
            });
        } catch (RuntimeException e) {
            try {
                dropTenant(schema, username);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        return new TenantCredentials(username, secret, schema,
                admin.withCredentials(username, secret, schema).toUrlString());
    }

    /**
     * Drops schema {@code schema} with everything in it, then role {@code username}, in one transaction.
     * Missing ones are skipped, so removing twice is harmless; any other refusal is reported and
     * nothing is dropped.
     */
    public void removeTenant(String schema, String username) {
        Identifiers.schema(schema);
        Identifiers.role(username);
        dropTenant(schema, username);
    }

    private void dropTenant(String schema, String username) {
        transaction(c -> {
            execute(c, "DROP SCHEMA IF EXISTS " + Identifiers.quote(schema) + " CASCADE");
            if (roleExists(c, username)) {
                execute(c, "DROP OWNED BY " + Identifiers.quote(username));
                execute(c, "DROP ROLE " + Identifiers.quote(username));
            }
        });
    }

    private static boolean roleExists(Connection c, String role) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static List<String> tablesOf(Connection c, String schema) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT tablename FROM pg_tables WHERE schemaname = ?")) {
            ps.setString(1, schema);
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            return tables;
        }
    }

    private static String databaseName(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT current_database()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    @FunctionalInterface
    private interface SqlSteps {
        void run(Connection c) throws SQLException;
    }

    private void transaction(SqlSteps steps) {
        Properties props = new Properties();
        if (admin.user() != null) {
            props.setProperty("user", admin.user());
        }
        if (admin.password() != null) {
            props.setProperty("password", admin.password());
        }
        props.setProperty("connectTimeout", "10");
        try (Connection c = DriverManager.getConnection(admin.jdbcUrl(), props)) {
            Database.inTransaction(c, connection -> {
                steps.run(connection);
                return null;
            });
        } catch (SQLException e) {
            throw CloacaException.storage(Database.rootMessage(e), e);
        }
    }
}
