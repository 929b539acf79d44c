package io.cloaca.engine.store;

import io.cloaca.engine.CloacaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static io.cloaca.engine.TestSupport.assertCloaca;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** URL rules of DESIGN §4 and reference §2.12. */
class DatabaseUrlTest {

    private static Path sqliteFile(String url) {
        DatabaseUrl.Sqlite sqlite = assertInstanceOf(DatabaseUrl.Sqlite.class, DatabaseUrl.parse(url));
        assertFalse(sqlite.inMemory(), url);
        return sqlite.file();
    }

    private static DatabaseUrl.Postgres postgres(String url) {
        return assertInstanceOf(DatabaseUrl.Postgres.class, DatabaseUrl.parse(url));
    }

    // ---- SQLite -----------------------------------------------------------------------------------

    @Test
    void a_sqlite_url_with_a_relative_path_names_that_file() {
        assertEquals(Path.of("x.db"), sqliteFile("sqlite://x.db"));
    }

    @Test
    void a_sqlite_url_with_three_slashes_names_an_absolute_path() {
        assertEquals(Path.of("/abs/x.db"), sqliteFile("sqlite:///abs/x.db"));
    }

    @Test
    void bare_and_dot_relative_paths_are_sqlite_files() {
        assertEquals(Path.of("x.db"), sqliteFile("x.db"));
        assertEquals(Path.of("./x.db"), sqliteFile("./x.db"));
        assertEquals(Path.of("../data/x.sqlite3"), sqliteFile("../data/x.sqlite3"));
    }

    @Test
    void a_query_string_is_dropped_and_never_reaches_the_file_name() {
        assertEquals(Path.of("x.db"), sqliteFile("sqlite://x.db?mode=rwc"));
        assertEquals(Path.of("/srv/x.db"),
                sqliteFile("sqlite:///srv/x.db?mode=rwc&_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=5000"));
    }

    @ParameterizedTest
    @ValueSource(strings = {":memory:", "sqlite://:memory:", "sqlite:///:memory:", "sqlite://:memory:?cache=shared"})
    void every_memory_form_is_a_private_in_memory_database(String url) {
        DatabaseUrl.Sqlite sqlite = assertInstanceOf(DatabaseUrl.Sqlite.class, DatabaseUrl.parse(url));
        assertTrue(sqlite.inMemory());
        assertNull(sqlite.file());
        assertEquals(":memory:", sqlite.redacted());
    }

    @Test
    void a_sqlite_url_without_a_path_is_rejected() {
        assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> DatabaseUrl.parse("sqlite://"));
        assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> DatabaseUrl.parse("sqlite://?mode=rwc"));
    }

    // ---- PostgreSQL -------------------------------------------------------------------------------

    @Test
    void a_full_postgresql_url_keeps_user_password_host_port_and_database() {
        DatabaseUrl.Postgres pg = postgres("postgresql://u:p@h:5433/db");
        assertEquals("h", pg.host());
        assertEquals(5433, pg.port());
        assertEquals("db", pg.database());
        assertEquals("u", pg.user());
        assertEquals("p", pg.password());
        assertEquals("jdbc:postgresql://h:5433/db", pg.jdbcUrl());
    }

    @Test
    void the_postgres_scheme_is_accepted_and_the_port_defaults_to_5432() {
        DatabaseUrl.Postgres pg = postgres("postgres://h/db");
        assertEquals(5432, pg.port());
        assertEquals("db", pg.database());
        assertNull(pg.user());
        assertNull(pg.password());
    }

    @Test
    void the_database_name_in_the_url_is_honoured_not_replaced() {
        assertEquals("analytics", postgres("postgresql://u:p@h/analytics").database());
    }

    @Test
    void a_percent_encoded_password_is_decoded_and_a_plus_stays_a_plus() {
        assertEquals("p@ss/w:rd", postgres("postgresql://u:p%40ss%2Fw%3Ard@h/db").password());
        assertEquals("a+b", postgres("postgresql://u:a+b@h/db").password());
    }

    @Test
    void a_user_without_a_password_is_accepted() {
        DatabaseUrl.Postgres pg = postgres("postgresql://alice@h/db");
        assertEquals("alice", pg.user());
        assertNull(pg.password());
    }

    @Test
    void the_redacted_form_hides_the_password() {
        String redacted = postgres("postgresql://u:secret@h:5433/db").redacted();
        assertEquals("postgresql://u:***@h:5433/db", redacted);
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql://u:p@h:5432", "postgresql://u:p@h:5432/", "postgres://h"})
    void a_postgres_url_without_a_database_name_is_rejected(String url) {
        CloacaException e = assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> DatabaseUrl.parse(url));
        assertTrue(e.getMessage().contains("Database name is required"), e.getMessage());
        assertFalse(e.getMessage().contains(":p@"), "password must not leak: " + e.getMessage());
    }

    // ---- everything else --------------------------------------------------------------------------

    @Test
    void an_unsupported_scheme_is_rejected_naming_the_accepted_forms_without_leaking_the_password() {
        CloacaException e = assertCloaca(CloacaException.Kind.INVALID_ARGUMENT,
                () -> DatabaseUrl.parse("mysql://root:hunter2@h:3306/db"));
        for (String form : new String[] {"postgresql://", "postgres://", "sqlite://", ":memory:"}) {
            assertTrue(e.getMessage().contains(form), "names " + form + ": " + e.getMessage());
        }
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void an_empty_url_is_rejected_naming_the_accepted_forms(String url) {
        CloacaException e = assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> DatabaseUrl.parse(url));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        assertTrue(e.getMessage().contains("postgresql://"), e.getMessage());
    }

    @Test
    void a_null_url_is_rejected_like_an_empty_one() {
        assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> DatabaseUrl.parse(null));
    }
}
