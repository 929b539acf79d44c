package io.cloaca.cli;

import io.cloaca.engine.store.DatabaseUrl;

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
        return new DatabaseUrl.Postgres(server.host(), server.port(), database, server.user(), server.password(), null,
                server.jdbcParameters()).toUrlString();
    }

    /** A superuser connection to {@code db} on the test server. */
    Connection connect(String db) throws SQLException {
        DatabaseUrl.Postgres target = new DatabaseUrl.Postgres(server.host(), server.port(), db, server.user(),
                server.password(), null, server.jdbcParameters());
        return DriverManager.getConnection(target.jdbcUrl(), server.user(), server.password());
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

    /** Drops the database, closing any connection a script left open. */
    @Override
    public void close() throws SQLException {
        try (Connection c = connect(server.database()); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
    }
}
