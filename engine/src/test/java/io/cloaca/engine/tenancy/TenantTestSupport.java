package io.cloaca.engine.tenancy;

import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.store.DatabaseUrl;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;

/** Tenants made for a test, with unique names, and the checks tests make on the server. */
final class TenantTestSupport {

    private TenantTestSupport() {
    }

    static String uniqueName(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    static Connection connectAs(TenantCredentials credentials) throws SQLException {
        return connectAs(credentials.username(), credentials.password());
    }

    static Connection connectAs(String user, String password) throws SQLException {
        var pg = (DatabaseUrl.Postgres) DatabaseUrl.parse(TestDatabases.PG_URL);
        return DriverManager.getConnection(pg.jdbcUrl(), user, password);
    }

    static boolean schemaExists(String schema) throws SQLException {
        return exists("SELECT 1 FROM pg_namespace WHERE nspname = ?", schema);
    }

    static boolean roleExists(String role) throws SQLException {
        return exists("SELECT 1 FROM pg_roles WHERE rolname = ?", role);
    }

    private static boolean exists(String sql, String name) throws SQLException {
        try (Connection c = TestDatabases.adminConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
}
