package io.cloaca.engine.tenancy;

import io.cloaca.engine.TestDatabases;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Makes the test server check passwords for some roles. The machines' servers trust every local login,
 * which would make a password test prove nothing: this puts scram-sha-256 rules for the named roles at
 * the top of pg_hba.conf (the first matching rule wins), reloads, and restores the file on close.
 * Needs write access to pg_hba.conf (CI runs as root).
 */
public final class PgHba implements AutoCloseable {

    private final Path file;
    private final String original;

    private PgHba(Path file, String original) {
        this.file = file;
        this.original = original;
    }

    public static PgHba requirePasswordFor(String... roles) throws SQLException, IOException {
        Path file;
        try (Connection c = TestDatabases.adminConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW hba_file")) {
            rs.next();
            file = Path.of(rs.getString(1));
        }
        if (!Files.isWritable(file)) {
            throw new IllegalStateException("Password tests need write access to " + file
                    + " (run the tests as root, as .ci/run does)");
        }
        String original = Files.readString(file);
        String list = String.join(",", roles);
        String rules = String.join("\n", List.of(
                "# cloaca tests: passwords checked for these roles (removed when the test ends)",
                "host all " + list + " 127.0.0.1/32 scram-sha-256",
                "host all " + list + " ::1/128 scram-sha-256")) + "\n";
        Files.writeString(file, rules + original);
        PgHba hba = new PgHba(file, original);
        reload();
        hba.awaitPasswordChecked(roles[0]);
        return hba;
    }

    private static void reload() throws SQLException {
        try (Connection c = TestDatabases.adminConnection(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_reload_conf()");
        }
    }

    /** The postmaster rereads the file after the reload signal: wait until a wrong password is refused. */
    private void awaitPasswordChecked(String role) throws SQLException {
        var pg = (io.cloaca.engine.store.DatabaseUrl.Postgres) io.cloaca.engine.store.DatabaseUrl.parse(TestDatabases.PG_URL);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Connection ignored = java.sql.DriverManager.getConnection(pg.jdbcUrl(), role, "certainly-wrong")) {
                Thread.onSpinWait();
            } catch (SQLException e) {
                if ("28P01".equals(e.getSQLState())) {
                    return;
                }
                throw e;
            }
        }
        throw new IllegalStateException("pg_hba.conf rules for " + role + " did not take effect within 10 s");
    }

    @Override
    public void close() throws IOException, SQLException {
        Files.writeString(file, original);
        reload();
    }
}
