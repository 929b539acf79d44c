package io.cloaca.cli;

import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.tenancy.TenantAdmin;
import io.cloaca.engine.tenancy.TenantCredentials;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/**
 * A fresh PostgreSQL database for one test class on the server of {@code CLOACA_TEST_PG_URL}
 * (default {@code postgresql://postgres@127.0.0.1:5432/postgres}, a superuser), dropped by
 * {@link #close()}; and removal of login roles, which live outside any one database.
 */
final class TestPostgres implements AutoCloseable {

    static final String PG_URL = System.getenv().getOrDefault("CLOACA_TEST_PG_URL",
            "postgresql://postgres@127.0.0.1:5432/postgres");

    private final DatabaseUrl.Postgres server;
    private final String database;
    /** Roles {@link #createTenants} made: roles outlive the database, so {@link #close()} drops them. */
    private final List<String> tenantRoles = new ArrayList<>();

    private TestPostgres(DatabaseUrl.Postgres server, String database) {
        this.server = server;
        this.database = database;
    }

    /** Creates database {@code cloaca_it_<random>}. */
    static TestPostgres createDatabase() throws SQLException {
        DatabaseUrl.Postgres server = (DatabaseUrl.Postgres) DatabaseUrl.parse(PG_URL);
        String name = "cloaca_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        TestPostgres db = new TestPostgres(server, name);
        try (Connection c = db.connect(server.database()); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
        return db;
    }

    String name() {
        return database;
    }

    /** The URL scripts get: the test server's login, on the fresh database. */
    String url() {
        return urlAs(server.user(), server.password());
    }

    /** The fresh database logged in as {@code user} with {@code password} (either may be null). */
    String urlAs(String user, String password) {
        return new DatabaseUrl.Postgres(server.endpoints(), database, user, password, null, server.jdbcParameters())
                .toUrlString();
    }

    /** A superuser connection to {@code db} on the test server. */
    Connection connect(String db) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(db), server.user(), server.password());
    }

    private String jdbcUrl(String db) {
        return new DatabaseUrl.Postgres(server.endpoints(), db, null, null, null, server.jdbcParameters()).jdbcUrl();
    }

    /** Drops schemas of the test database that exist. */
    void dropSchemas(Collection<String> schemas) throws SQLException {
        try (Connection c = connect(database); Statement st = c.createStatement()) {
            for (String schema : schemas) {
                st.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
            }
        }
    }

    /**
     * Drops login roles that exist, wherever they own or were granted something: in every database
     * that holds such objects (a run that crashed may have left its database behind) they are
     * dropped or revoked first with {@code DROP OWNED BY}.
     */
    void dropRoles(Collection<String> roles) throws SQLException {
        try (Connection admin = connect(server.database())) {
            for (String role : roles) {
                if (names(admin, "SELECT rolname FROM pg_roles WHERE rolname = ?", role).isEmpty()) {
                    continue;
                }
                for (String db : names(admin, "SELECT DISTINCT d.datname FROM pg_shdepend s "
                        + "JOIN pg_database d ON d.oid = s.dbid JOIN pg_roles r ON r.oid = s.refobjid "
                        + "WHERE r.rolname = ?", role)) {
                    try (Connection c = connect(db); Statement st = c.createStatement()) {
                        st.execute("DROP OWNED BY \"" + role + "\" CASCADE");
                    }
                }
                try (Statement st = admin.createStatement()) {
                    st.execute("DROP OWNED BY \"" + role + "\" CASCADE"); // revokes grants on databases too
                    st.execute("DROP ROLE IF EXISTS \"" + role + "\"");
                }
            }
        }
    }

    /** Roles whose name starts with {@code prefix}. */
    List<String> rolesStartingWith(String prefix) throws SQLException {
        try (Connection admin = connect(server.database())) {
            return names(admin, "SELECT rolname FROM pg_roles WHERE starts_with(rolname, ?)", prefix);
        }
    }

    /**
     * Roles whose name starts with {@code prefix} that own nothing and were granted nothing anywhere:
     * what a run that died after dropping its database leaves behind. A live run's tenant roles own
     * their schemas, so they are never among these.
     */
    List<String> orphanRolesStartingWith(String prefix) throws SQLException {
        try (Connection admin = connect(server.database())) {
            return names(admin, "SELECT r.rolname FROM pg_roles r WHERE starts_with(r.rolname, ?) "
                    + "AND NOT EXISTS (SELECT 1 FROM pg_shdepend s WHERE s.refobjid = r.oid)", prefix);
        }
    }

    private static List<String> names(Connection c, String sql, String parameter) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, parameter);
            List<String> names = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            return names;
        }
    }

    /**
     * Makes the server check {@code role}'s password (the machines' servers trust local logins, which
     * would let any password in): a scram-sha-256 rule for the role at the top of pg_hba.conf, the first
     * matching rule, until the returned handle is closed. Null when pg_hba.conf cannot be written.
     */
    AutoCloseable requirePasswordFor(String role) throws SQLException, IOException {
        Path hba;
        try (Connection c = connect(server.database()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW hba_file")) {
            rs.next();
            hba = Path.of(rs.getString(1));
        }
        if (!Files.isWritable(hba)) {
            return null;
        }
        String original = Files.readString(hba);
        Files.writeString(hba, "# cloaca test: password checked for " + role + " (removed when the test ends)\n"
                + "host all " + role + " 127.0.0.1/32 scram-sha-256\nhost all " + role + " ::1/128 scram-sha-256\n"
                + original);
        reloadConfiguration();
        // The postmaster rereads the file some moments after the signal: wait until a wrong password is refused.
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            if (System.nanoTime() > deadline) {
                Files.writeString(hba, original);
                reloadConfiguration();
                throw new IllegalStateException("the pg_hba.conf rule for " + role + " did not take effect within 10 s");
            }
            try (Connection ignored = DriverManager.getConnection(jdbcUrl(server.database()), role, "certainly-wrong")) {
                Thread.onSpinWait();
            } catch (SQLException e) {
                if (!"28P01".equals(e.getSQLState())) {
                    throw e;
                }
                break;
            }
        }
        return () -> {
            Files.writeString(hba, original);
            reloadConfiguration();
        };
    }

    private void reloadConfiguration() throws SQLException {
        try (Connection c = connect(server.database()); Statement st = c.createStatement()) {
            st.execute("SELECT pg_reload_conf()");
        }
    }

    /**
     * Makes {@code count} tenants as {@code cloaca tenants create} does, each a role and a schema of one name
     * ({@code prefix}, a letter, a random part), in the order returned; {@link #close()} drops them.
     */
    List<TenantCredentials> createTenants(String prefix, int count) {
        TenantAdmin admin = new TenantAdmin(url());
        String random = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        List<TenantCredentials> tenants = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String name = prefix + (char) ('a' + i) + "_" + random;
            tenantRoles.add(name);
            tenants.add(admin.createTenant(name, name, null));
        }
        return tenants;
    }

    /** Drops the database, closing any connection a script left open, and the roles of its tenants. */
    @Override
    public void close() throws SQLException {
        dropRoles(tenantRoles);
        try (Connection c = connect(server.database()); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
    }
}
