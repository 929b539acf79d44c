package io.cloaca.engine.store;

import io.cloaca.engine.CloacaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;

import static io.cloaca.engine.TestSupport.assertCloaca;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The database URL forms of the README ("Database URLs"), and what a malformed one is told. */
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
    void is_postgres_tells_the_schemes_parse_reads_as_postgresql_even_when_the_rest_is_malformed() {
        for (String url : List.of("postgresql://h/db", "postgres://h", " POSTGRES://u:p@h/db", "jdbc:postgresql://h/db")) {
            assertTrue(DatabaseUrl.isPostgres(url), url);
        }
        for (String url : List.of("sqlite://x.db", "x.db", ":memory:", "mysql://h/db", "postgresql:h", "jdbc:sqlite:x")) {
            assertFalse(DatabaseUrl.isPostgres(url), url);
        }
    }

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

    @ParameterizedTest
    @ValueSource(strings = {"db_primary", "cloaca-db-1", "db.internal.example", "10.0.0.7", "localhost"})
    void host_names_as_containers_and_compose_services_have_them_are_accepted(String host) {
        DatabaseUrl.Postgres pg = postgres("postgresql://user:pw@" + host + ":5432/app");
        assertEquals(host, pg.host());
        assertEquals("jdbc:postgresql://" + host + ":5432/app", pg.jdbcUrl());
    }

    @Test
    void a_url_without_user_or_password_logs_in_as_the_driver_default() {
        DatabaseUrl.Postgres pg = postgres("postgresql://h:6543/db");
        assertNull(pg.user());
        assertNull(pg.password());
        assertEquals(6543, pg.port());
    }

    @Test
    void an_empty_password_is_no_password() {
        assertNull(postgres("postgresql://alice:@h/db").password());
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql://u@[::1]:5433/db", "postgresql://u@[::1]/db", "postgresql://u@[2001:db8::7]/db"})
    void an_ipv6_literal_in_brackets_is_a_host(String url) {
        DatabaseUrl.Postgres pg = postgres(url);
        String inside = url.substring(url.indexOf('[') + 1, url.indexOf(']'));
        assertEquals(inside, pg.host());
        assertTrue(pg.jdbcUrl().startsWith("jdbc:postgresql://[" + inside + "]:"), pg.jdbcUrl());
    }

    @Test
    void a_percent_encoded_user_and_database_are_decoded_and_encoded_again_for_the_driver() {
        DatabaseUrl.Postgres pg = postgres("postgresql://m%C3%BCller%40corp:p%25w@h/my%20db");
        assertEquals("müller@corp", pg.user());
        assertEquals("p%w", pg.password());
        assertEquals("my db", pg.database());
        assertEquals("jdbc:postgresql://h:5432/my%20db", pg.jdbcUrl());
    }

    @Test
    void an_unencoded_at_sign_in_the_password_is_read_up_to_the_last_at() {
        DatabaseUrl.Postgres pg = postgres("postgresql://u:p@ss@h/db");
        assertEquals("p@ss", pg.password());
        assertEquals("h", pg.host());
    }

    @Test
    void libpq_parameters_reach_the_driver_under_its_names_and_schema_stays_ours() {
        DatabaseUrl.Postgres pg = postgres("postgres://u@h/db?sslmode=require&connect_timeout=3"
                + "&application_name=billing%20worker&target_session_attrs=read-write&schema=acme&keepalives=0");
        assertEquals("acme", pg.schema());
        assertEquals("sslmode=require&connectTimeout=3&ApplicationName=billing%20worker&targetServerType=primary"
                + "&tcpKeepAlive=false", pg.jdbcParameters());
        assertEquals("billing worker", pg.jdbcParameter("ApplicationName"));
        assertEquals("jdbc:postgresql://h:5432/db?" + pg.jdbcParameters(), pg.jdbcUrl());
    }

    @Test
    void pgjdbc_properties_pass_through_and_user_and_password_may_be_parameters() {
        DatabaseUrl.Postgres pg = postgres("postgresql://h/db?user=app&password=s%26cret&sslmode=verify-full"
                + "&sslrootcert=%2Fetc%2Fca.pem&socketTimeout=30&currentSchema=t1");
        assertEquals("app", pg.user());
        assertEquals("s&cret", pg.password());
        assertEquals("t1", pg.schema());
        assertEquals("sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&socketTimeout=30", pg.jdbcParameters());
    }

    @Test
    void several_hosts_are_tried_in_order_by_the_driver() {
        DatabaseUrl.Postgres pg = postgres("postgresql://u@primary:5432,replica_1:5433,[::1]/db?target_session_attrs=any");
        assertEquals(List.of(new DatabaseUrl.Endpoint("primary", 5432), new DatabaseUrl.Endpoint("replica_1", 5433),
                new DatabaseUrl.Endpoint("::1", 5432)), pg.endpoints());
        assertEquals("jdbc:postgresql://primary:5432,replica_1:5433,[::1]:5432/db?targetServerType=any", pg.jdbcUrl());
        assertEquals("postgresql://u@primary:5432,replica_1:5433,[::1]:5432/db", pg.redacted());
    }

    @Test
    void a_jdbc_url_names_the_same_database() {
        DatabaseUrl.Postgres pg = postgres("jdbc:postgresql://h:5433/db?user=u&password=p");
        assertEquals("u", pg.user());
        assertEquals("p", pg.password());
        assertEquals("jdbc:postgresql://h:5433/db", pg.jdbcUrl());
    }

    @Test
    void to_url_string_round_trips_every_part() {
        DatabaseUrl.Postgres pg = postgres("postgresql://u%3Ax:p%2Fw@db_1:5433,[::1]:5434/my%20db?schema=acme&sslmode=require");
        assertEquals(pg, DatabaseUrl.parse(pg.toUrlString()));
    }

    // ---- malformed PostgreSQL URLs: what was wrong, and never the password ------------------------

    private static String rejected(String url, String expected) {
        CloacaException e = assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> DatabaseUrl.parse(url));
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), "password must not leak: " + e.getMessage());
        return e.getMessage();
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "65536", "99999999", "54x", "-1"})
    void a_bad_port_is_named(String port) {
        rejected("postgresql://u:s3cret@h:" + port + "/db", "invalid port '" + port + "', expected a number from 1 to 65535");
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql://u:s3cret@/db", "postgresql://u:s3cret@:5432/db", "postgres:///db"})
    void an_empty_host_is_named(String url) {
        String message = rejected(url, "host");
        assertTrue(message.contains("no host") || message.contains("empty host"), message);
    }

    @Test
    void an_empty_entry_in_a_host_list_is_named() {
        rejected("postgresql://u:s3cret@a,,b/db", "empty host in the host list");
    }

    @Test
    void a_host_with_characters_no_host_name_has_is_named() {
        rejected("postgresql://u:s3cret@db%20primary/db", "'db primary' is not a host name");
    }

    @Test
    void an_unbracketed_ipv6_address_is_named() {
        rejected("postgresql://u:s3cret@::1:5432/db", "write an IPv6 address in brackets");
    }

    @Test
    void an_unclosed_ipv6_bracket_is_named() {
        rejected("postgresql://u:s3cret@[::1/db", "no closing ']'");
    }

    @Test
    void a_unix_socket_directory_is_refused_with_the_reason() {
        rejected("postgresql://u:s3cret@%2Fvar%2Frun%2Fpostgresql/db", "Unix-domain socket");
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql://u:s3cret/x@h/db", "postgresql://u:s3cret?x@h/db", "postgresql://u:s3/cret@h/db"})
    void a_password_with_a_raw_slash_or_question_mark_is_explained_without_echoing_it(String url) {
        String message = rejected(url, "must be percent-encoded");
        assertFalse(message.contains("s3"), message);
        assertFalse(message.contains("cret"), message);
    }

    @Test
    void a_bad_percent_escape_in_the_password_is_named_without_the_password() {
        String message = rejected("postgresql://u:s3cret%zz@h/db", "invalid percent-encoding in the user name or password");
        assertFalse(message.contains("%zz"), message);
    }

    @Test
    void an_unknown_parameter_is_named_with_what_is_accepted() {
        String message = rejected("postgresql://u:s3cret@h/db?sslmod=require", "unknown parameter 'sslmod'");
        assertTrue(message.contains("sslmode"), message);
    }

    @Test
    void an_invalid_libpq_value_is_named_with_the_accepted_values() {
        rejected("postgresql://u:s3cret@h/db?target_session_attrs=leader", "invalid target_session_attrs 'leader'; "
                + "accepted: any, prefer-standby, primary, read-only, read-write, standby");
    }

    @Test
    void a_parameter_without_a_value_is_named() {
        rejected("postgresql://u:s3cret@h/db?sslmode", "query parameter 'sslmode' has no '=value'");
    }

    @Test
    void the_password_parameter_never_appears_in_a_message() {
        String message = rejected("postgresql://h/db?password=s3cret%zz", "invalid percent-encoding");
        assertFalse(message.contains("%zz"), message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql:/h/db", "postgres:h/db", "postgress://u:s3cret@h/db"})
    void a_misspelt_scheme_is_not_taken_for_a_file_name(String url) {
        rejected(url, "Unsupported database URL");
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
