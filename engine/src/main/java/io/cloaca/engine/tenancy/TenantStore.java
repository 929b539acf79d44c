package io.cloaca.engine.tenancy;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.store.Database;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.SqlWork;
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
 * The SQL of {@link TenantAdmin}: roles, schemas and grants, each step list in one transaction on a
 * connection of the admin login. Names arrive validated; they are quoted here all the same.
 */
final class TenantStore {

    private final DatabaseUrl.Postgres admin;

    TenantStore(DatabaseUrl.Postgres admin) {
        this.admin = admin;
    }

    /** Role {@code username} (LOGIN, SCRAM password computed by the driver) and schema {@code schema} it owns. */
    void createRoleAndSchema(String schema, String username, String secret) {
        String s = Identifiers.quote(schema);
        String u = Identifiers.quote(username);
        transaction(c -> {
            execute(c, "CREATE ROLE " + u + " LOGIN");
            c.unwrap(PGConnection.class).alterUserPassword(username, secret.toCharArray(), "scram-sha-256");
            execute(c, "CREATE SCHEMA " + s + " AUTHORIZATION " + u);
            execute(c, "ALTER ROLE " + u + " SET search_path = " + s);
            execute(c, "GRANT CONNECT ON DATABASE " + Identifiers.quote(databaseName(c)) + " TO " + u);
        });
    }

    /** Makes {@code username} the owner of every table of {@code schema} (the migration created them as admin). */
    void giveTables(String schema, String username) {
        transaction(c -> {
            for (String table : tablesOf(c, schema)) {
                execute(c, "ALTER TABLE " + Identifiers.quote(schema) + "." + Identifiers.quote(table) + " OWNER TO "
                        + Identifiers.quote(username));
            }
        });
    }

    /** Drops the schema with everything in it, then the role, each if it exists; says which existed. */
    TenantAdmin.Removed dropTenant(String schema, String username) {
        return transaction(c -> {
            boolean hadSchema = exists(c, "SELECT 1 FROM pg_namespace WHERE nspname = ?", schema);
            if (hadSchema) {
                // IF EXISTS still: another admin removing the same tenant meanwhile is not a failure.
                execute(c, "DROP SCHEMA IF EXISTS " + Identifiers.quote(schema) + " CASCADE");
            }
            boolean hadRole = exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", username);
            if (hadRole) {
                execute(c, "DROP OWNED BY " + Identifiers.quote(username));
                execute(c, "DROP ROLE " + Identifiers.quote(username));
            }
            return new TenantAdmin.Removed(hadSchema, hadRole);
        });
    }

    private static boolean exists(Connection c, String sql, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, name);
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
        transaction(c -> {
            steps.run(c);
            return null;
        });
    }

    private <T> T transaction(SqlWork<T> steps) {
        Properties props = new Properties();
        if (admin.user() != null) {
            props.setProperty("user", admin.user());
        }
        if (admin.password() != null) {
            props.setProperty("password", admin.password());
        }
        props.setProperty("connectTimeout", "10");
        try (Connection c = DriverManager.getConnection(admin.jdbcUrl(), props)) {
            return Database.inTransaction(c, steps);
        } catch (SQLException e) {
            throw CloacaException.storage(Database.rootMessage(e), e);
        }
    }
}
