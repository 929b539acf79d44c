package io.cloaca.engine.tenancy;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.ExecutionResult;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.ExecutionStatus;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static io.cloaca.engine.TestSupport.assertCloaca;
import static io.cloaca.engine.tenancy.TenantTestSupport.connectAs;
import static io.cloaca.engine.tenancy.TenantTestSupport.roleExists;
import static io.cloaca.engine.tenancy.TenantTestSupport.schemaExists;
import static io.cloaca.engine.tenancy.TenantTestSupport.uniqueName;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DatabaseAdmin's create and remove against the real test server. */
class TenantAdminTest {

    private final TenantAdmin admin = new TenantAdmin(TestDatabases.PG_URL);
    private final List<String[]> created = new ArrayList<>();

    @AfterEach
    void removeTenants() {
        created.forEach(t -> admin.removeTenant(t[0], t[1]));
    }

    private TenantCredentials create(String password) {
        String schema = uniqueName("tenant");
        String user = schema + "_user";
        created.add(new String[] {schema, user});
        return admin.createTenant(schema, user, password);
    }

    private static Workflow oneTask() {
        return Workflow.builder("hello").task("greet", ctx -> ctx.set("greeting", "hi")).build();
    }

    @Test
    void a_generated_password_has_32_alphanumerics_and_the_connection_string_pins_the_schema() {
        TenantCredentials credentials = create(null);
        assertTrue(credentials.password().matches("[A-Za-z0-9]{32}"), credentials.password());
        var url = (DatabaseUrl.Postgres) DatabaseUrl.parse(credentials.connectionString());
        var adminUrl = (DatabaseUrl.Postgres) DatabaseUrl.parse(TestDatabases.PG_URL);
        assertEquals(adminUrl.host(), url.host());
        assertEquals(adminUrl.port(), url.port());
        assertEquals(adminUrl.database(), url.database());
        assertEquals(credentials.username(), url.user());
        assertEquals(credentials.password(), url.password());
        assertEquals(credentials.schemaName(), url.schema());
        assertFalse(credentials.toString().contains(credentials.password()));
    }

    @Test
    void an_empty_password_is_generated_too() {
        assertTrue(create("").password().matches("[A-Za-z0-9]{32}"));
    }

    @Test
    void a_runner_on_the_credentials_works_in_the_tenant_schema_as_the_tenant_role() throws SQLException {
        TenantCredentials credentials = create(null);
        WorkflowRegistry registry = new WorkflowRegistry();
        registry.register(oneTask());
        try (Runner runner = Runner.open(credentials.connectionString(), RunnerConfig.DEFAULT, registry)) {
            ExecutionResult result = runner.execute("hello", Context.empty());
            assertEquals(ExecutionStatus.Completed, result.status());
            assertEquals(credentials.schemaName(), runner.schema());
            try (Connection c = runner.database().dataSource().getConnection();
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT current_user, current_schema()")) {
                rs.next();
                assertEquals(credentials.username(), rs.getString(1));
                assertEquals(credentials.schemaName(), rs.getString(2));
            }
        }
        try (Connection c = TestDatabases.adminConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM \"" + credentials.schemaName()
                     + "\".workflow_executions")) {
            rs.next();
            assertEquals(1, rs.getInt(1));
        }
    }

    @Test
    void the_tenant_owns_its_schema_and_tables() throws SQLException {
        TenantCredentials credentials = create(null);
        try (Connection c = TestDatabases.adminConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = '"
                     + credentials.schemaName() + "'")) {
            assertTrue(rs.next());
            assertEquals(credentials.username(), rs.getString(1));
            assertFalse(rs.next());
        }
    }

    @Test
    void creating_an_existing_tenant_again_fails_and_leaves_the_first_intact() throws SQLException {
        TenantCredentials first = create("first-password");
        CloacaException e = assertCloaca(CloacaException.Kind.STORAGE,
                () -> admin.createTenant(first.schemaName(), first.username(), "second-password"));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertTrue(schemaExists(first.schemaName()));
        try (Connection c = connectAs(first); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM \"" + first.schemaName() + "\".task_executions")) {
            assertTrue(rs.next());
        }
    }

    @Test
    void a_new_role_for_an_existing_schema_fails_and_creates_no_role() throws SQLException {
        TenantCredentials first = create(null);
        String otherUser = uniqueName("other");
        assertCloaca(CloacaException.Kind.STORAGE, () -> admin.createTenant(first.schemaName(), otherUser, null));
        assertFalse(roleExists(otherUser));
    }

    @Test
    void remove_tenant_drops_schema_and_role_and_is_harmless_twice() throws SQLException {
        String schema = uniqueName("gone");
        String user = schema + "_user";
        admin.createTenant(schema, user, null);
        assertEquals(new TenantAdmin.Removed(true, true), admin.removeTenant(schema, user));
        assertFalse(schemaExists(schema));
        assertFalse(roleExists(user));
        assertEquals(new TenantAdmin.Removed(false, false), admin.removeTenant(schema, user));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a'b", "a;b", "a\"b", "a b", " a", "café", "1abc", "public", "pg_catalog",
            "PG_toast", "information_schema", "a-b", "x'; DROP TABLE t; --",
            "a123456789012345678901234567890123456789012345678901234567890123"})
    void hostile_schema_names_are_refused_before_anything_is_created(String schema) throws SQLException {
        String user = uniqueName("hostile");
        CloacaException e = assertCloaca(CloacaException.Kind.INVALID_ARGUMENT,
                () -> admin.createTenant(schema, user, null));
        assertTrue(e.getMessage().startsWith("Schema name"), e.getMessage());
        assertFalse(roleExists(user));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "u'v", "u;v", "u\"v", "u v", "ünicode", "9user", "postgres", "public", "pg_monitor",
            "current_user"})
    void hostile_role_names_are_refused_before_anything_is_created(String user) throws SQLException {
        String schema = uniqueName("hostile");
        CloacaException e = assertCloaca(CloacaException.Kind.INVALID_ARGUMENT,
                () -> admin.createTenant(schema, user, null));
        assertTrue(e.getMessage().startsWith("Username"), e.getMessage());
        assertFalse(schemaExists(schema));
    }

    @Test
    void a_non_postgres_admin_url_is_refused_with_the_reason() {
        CloacaException e = assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> new TenantAdmin("sqlite://x.db"));
        assertTrue(e.getMessage().startsWith("DatabaseAdmin requires a PostgreSQL connection"), e.getMessage());
    }

    @Test
    void a_stopped_server_is_reported_and_nothing_is_created() {
        TenantAdmin unreachable = new TenantAdmin("postgresql://postgres@127.0.0.1:1/postgres");
        CloacaException e = assertCloaca(CloacaException.Kind.STORAGE,
                () -> unreachable.createTenant(uniqueName("s"), uniqueName("u"), null));
        assertTrue(e.getMessage().toLowerCase().contains("refused"), e.getMessage());
    }

    @Test
    void a_missing_database_is_named_in_the_error() {
        var pg = (DatabaseUrl.Postgres) DatabaseUrl.parse(TestDatabases.PG_URL);
        TenantAdmin missing = new TenantAdmin("postgresql://" + pg.user() + "@" + pg.host() + ":" + pg.port()
                + "/no_such_database_here");
        CloacaException e = assertCloaca(CloacaException.Kind.STORAGE,
                () -> missing.createTenant(uniqueName("s"), uniqueName("u"), null));
        assertTrue(e.getMessage().contains("no_such_database_here"), e.getMessage());
    }

    @Test
    void an_admin_without_createrole_fails_clearly_and_leaves_no_schema() throws SQLException {
        String weak = uniqueName("weak");
        try (Connection c = TestDatabases.adminConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + weak + " LOGIN");
        }
        try {
            var pg = (DatabaseUrl.Postgres) DatabaseUrl.parse(TestDatabases.PG_URL);
            TenantAdmin weakAdmin = new TenantAdmin(pg.withCredentials(weak, null, null).toUrlString());
            String schema = uniqueName("s");
            String user = uniqueName("u");
            CloacaException e = assertCloaca(CloacaException.Kind.STORAGE, () -> weakAdmin.createTenant(schema, user, null));
            assertTrue(e.getMessage().contains("permission denied"), e.getMessage());
            assertFalse(schemaExists(schema));
            assertFalse(roleExists(user));
        } finally {
            try (Connection c = TestDatabases.adminConnection(); Statement st = c.createStatement()) {
                st.execute("DROP ROLE " + weak);
            }
        }
    }

    @Test
    void a_runner_whose_role_may_not_create_schemas_fails_clearly_and_creates_nothing() throws SQLException {
        String weak = uniqueName("nocreate");
        try (Connection c = TestDatabases.adminConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + weak + " LOGIN");
        }
        try {
            var pg = (DatabaseUrl.Postgres) DatabaseUrl.parse(TestDatabases.PG_URL);
            String url = pg.withCredentials(weak, null, null).toUrlString();
            String schema = uniqueName("s");
            WorkflowRegistry registry = new WorkflowRegistry();
            try (var factory = new io.cloaca.engine.execution.RunnerFactory(registry)) {
                CloacaException e = assertCloaca(CloacaException.Kind.STORAGE,
                        () -> factory.openSchema(url, schema, RunnerConfig.DEFAULT));
                assertTrue(e.getMessage().contains("permission denied"), e.getMessage());
            }
            assertFalse(schemaExists(schema));
        } finally {
            try (Connection c = TestDatabases.adminConnection(); Statement st = c.createStatement()) {
                st.execute("DROP ROLE " + weak);
            }
        }
    }
}
