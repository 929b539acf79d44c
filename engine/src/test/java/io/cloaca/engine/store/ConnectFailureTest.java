package io.cloaca.engine.store;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.tenancy.PgHba;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.cloaca.engine.TestSupport.assertCloaca;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A PostgreSQL database that cannot be reached is reported at once, with the server's or the network's
 * reason, after a single attempt.
 */
class ConnectFailureTest {

    private static final DatabaseUrl.Postgres SERVER = (DatabaseUrl.Postgres) DatabaseUrl.parse(TestDatabases.PG_URL);

    private static CloacaException refused(DatabaseUrl url) {
        return assertCloaca(CloacaException.Kind.STORAGE, () -> Database.open(url, 2, true).close());
    }

    private static void assertMentions(CloacaException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
        }
    }

    @Test
    void a_port_nobody_listens_on_is_named_with_the_drivers_advice() throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        CloacaException e = refused(new DatabaseUrl.Postgres("127.0.0.1", port, "postgres", "postgres", null, null, ""));
        assertMentions(e, "Cannot connect to database postgresql://postgres@127.0.0.1:" + port + "/postgres",
                "Connection to 127.0.0.1:" + port + " refused");
    }

    @Test
    void an_unknown_host_is_named() {
        CloacaException e = refused(new DatabaseUrl.Postgres("no-such-host.invalid", 5432, "postgres", "postgres",
                null, null, ""));
        assertMentions(e, "unknown host 'no-such-host.invalid'");
    }

    @Test
    void an_unknown_database_gets_the_servers_words() {
        CloacaException e = refused(new DatabaseUrl.Postgres(SERVER.endpoints(), "no_such_db_" + suffix(),
                SERVER.user(), SERVER.password(), null, SERVER.jdbcParameters()));
        assertMentions(e, "database \"no_such_db_", "does not exist");
    }

    @Test
    void an_unknown_role_gets_the_servers_words() {
        String role = "no_such_role_" + suffix();
        CloacaException e = refused(SERVER.withCredentials(role, null, null));
        assertMentions(e, "role \"" + role + "\" does not exist");
    }

    @Test
    void a_wrong_password_gets_the_servers_words_and_is_not_echoed() throws Exception {
        String role = "cloaca_pw_" + suffix();
        try (Connection c = TestDatabases.adminConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + role + " LOGIN PASSWORD 'the-right-one'");
        }
        try (PgHba ignored = PgHba.requirePasswordFor(role)) {
            CloacaException e = refused(SERVER.withCredentials(role, "a-wrong-one", null));
            assertMentions(e, "password authentication failed for user \"" + role + "\"");
            assertFalse(e.getMessage().contains("a-wrong-one"), e.getMessage());
            Database.open(SERVER.withCredentials(role, "the-right-one", null), 1, true).close();
        } finally {
            try (Connection c = TestDatabases.adminConnection(); Statement st = c.createStatement()) {
                st.execute("DROP ROLE IF EXISTS " + role);
            }
        }
    }

    @Test
    void parameters_in_the_url_reach_the_server_over_the_engines_defaults() {
        String name = "cloaca_probe_" + suffix();
        DatabaseUrl url = DatabaseUrl.parse(TestDatabases.PG_URL + (TestDatabases.PG_URL.contains("?") ? "&" : "?")
                + "application_name=" + name + "&options=-c%20statement_timeout%3D4321");
        try (Database db = Database.open(url, 1, true)) {
            assertEquals(name + " 4321ms", db.read(c -> {
                try (Statement st = c.createStatement();
                     var rs = st.executeQuery("SELECT current_setting('application_name') || ' '"
                             + " || current_setting('statement_timeout')")) {
                    rs.next();
                    return rs.getString(1);
                }
            }));
        }
    }

    /** A server that accepts connections and never answers: the URL's connect_timeout ends the one attempt. */
    @Test
    void a_silent_server_is_given_up_after_the_connect_timeout_in_one_attempt() throws Exception {
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0)) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept());
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            DatabaseUrl url = DatabaseUrl.parse("postgresql://u@127.0.0.1:" + silent.getLocalPort()
                    + "/db?connect_timeout=1");
            CloacaException e = refused(url);
            assertMentions(e, "timed out");
            assertEquals(1, accepted.size(), "connection attempts");
        } finally {
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    private static String suffix() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }
}
