package io.cloaca.engine.tenancy;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.execution.RunnerFactory;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.ExecutionRecord;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import static io.cloaca.engine.TestSupport.assertCloaca;
import static io.cloaca.engine.tenancy.TenantTestSupport.connectAs;
import static io.cloaca.engine.tenancy.TenantTestSupport.uniqueName;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The isolation promised to tenants, checked with real roles whose passwords the server really checks
 * (shared/reference/anchors.md §D.4, items 1–3, 5 and 7).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TenantIsolationTest {

    /** Quotes, a backslash, a semicolon and a comment marker: it must arrive at the server intact. */
    private static final String HOSTILE_PASSWORD = "it's \"quoted\" \\ back\\\\slash; -- x";

    private final TenantAdmin admin = new TenantAdmin(TestDatabases.PG_URL);
    private TenantCredentials a;
    private TenantCredentials b;
    private PgHba hba;

    @BeforeAll
    void createTwoTenantsWithCheckedPasswords() throws Exception {
        String schemaA = uniqueName("iso_a");
        String schemaB = uniqueName("iso_b");
        a = admin.createTenant(schemaA, schemaA + "_user", HOSTILE_PASSWORD);
        b = admin.createTenant(schemaB, schemaB + "_user", null);
        hba = PgHba.requirePasswordFor(a.username(), b.username());
    }

    @AfterAll
    void removeTenants() throws Exception {
        hba.close();
        admin.removeTenant(a.schemaName(), a.username());
        admin.removeTenant(b.schemaName(), b.username());
    }

    private static WorkflowRegistry registry() {
        WorkflowRegistry registry = new WorkflowRegistry();
        registry.register(Workflow.builder("stamp").task("stamp", ctx -> ctx.set("stamped", true)).build());
        return registry;
    }

    private static void assertDenied(Connection c, String sql) {
        SQLException e = assertThrows(SQLException.class, () -> {
            try (Statement st = c.createStatement()) {
                st.execute(sql);
            }
        }, sql);
        assertEquals("42501", e.getSQLState(), sql + " -> " + e.getMessage());
    }

    @Test
    void a_password_with_quotes_and_backslashes_is_the_one_the_server_checks() throws SQLException {
        assertDoesNotThrow(() -> connectAs(a).close());
        SQLException wrong = assertThrows(SQLException.class, () -> connectAs(a.username(), "it's").close());
        assertEquals("28P01", wrong.getSQLState());
    }

    @Test
    void tenant_a_cannot_read_write_or_create_in_tenant_b_schema() throws SQLException {
        String other = "\"" + b.schemaName() + "\"";
        try (Connection c = connectAs(a)) {
            assertDenied(c, "SELECT * FROM " + other + ".workflow_executions");
            assertDenied(c, "INSERT INTO " + other + ".workflow_executions (id) VALUES ('x')");
            assertDenied(c, "UPDATE " + other + ".task_executions SET status = 'Failed'");
            assertDenied(c, "CREATE TABLE " + other + ".intruder (id int)");
        }
    }

    @Test
    void tenant_a_cannot_create_in_public() throws SQLException {
        try (Connection c = connectAs(a)) {
            assertDenied(c, "CREATE TABLE public.intruder (id int)");
        }
    }

    @Test
    void tenant_a_cannot_become_tenant_b() throws SQLException {
        try (Connection c = connectAs(a)) {
            assertDenied(c, "SET ROLE \"" + b.username() + "\"");
        }
    }

    @Test
    void an_unqualified_query_of_tenant_a_resolves_in_its_own_schema() throws SQLException {
        try (Connection c = connectAs(a); Statement st = c.createStatement();
             var rs = st.executeQuery("SELECT current_schema()")) {
            rs.next();
            assertEquals(a.schemaName(), rs.getString(1));
        }
    }

    @Test
    void a_runner_on_tenant_a_credentials_sees_only_tenant_a_executions() {
        try (RunnerFactory runners = new RunnerFactory(registry())) {
            Runner runnerA = runners.open(a.connectionString(), RunnerConfig.DEFAULT);
            Runner runnerB = runners.open(b.connectionString(), RunnerConfig.DEFAULT);
            String idA = runnerA.execute("stamp", Context.empty()).executionId();
            String idB = runnerB.execute("stamp", Context.empty()).executionId();
            List<String> seenByA = runnerA.history().recentExecutions(null, 1000).stream().map(ExecutionRecord::id).toList();
            List<String> seenByB = runnerB.history().recentExecutions(null, 1000).stream().map(ExecutionRecord::id).toList();
            assertTrue(seenByA.contains(idA) && !seenByA.contains(idB), seenByA::toString);
            assertTrue(seenByB.contains(idB) && !seenByB.contains(idA), seenByB::toString);
            assertTrue(seenByA.stream().noneMatch(seenByB::contains));
            assertTrue(runnerA.history().findExecution(idB).isEmpty());
        }
    }

    @Test
    void tenant_a_credentials_pointed_at_tenant_b_schema_fail_instead_of_falling_back() {
        var url = (DatabaseUrl.Postgres) DatabaseUrl.parse(a.connectionString());
        String intruding = url.withCredentials(a.username(), a.password(), b.schemaName()).toUrlString();
        CloacaException e = assertCloaca(CloacaException.Kind.STORAGE,
                () -> Runner.open(intruding, RunnerConfig.DEFAULT, registry()));
        assertTrue(e.getMessage().contains("permission denied"), e.getMessage());
    }

    @Test
    void a_search_path_left_on_a_pooled_connection_does_not_change_what_the_next_borrower_reads() throws SQLException {
        String schemaX = TestDatabases.newSchemaName();
        String schemaY = TestDatabases.newSchemaName();
        RunnerConfig onePool = RunnerConfig.builder().dbPoolSize(1).build();
        try (RunnerFactory runners = new RunnerFactory(registry())) {
            Runner x = runners.openSchema(TestDatabases.PG_URL, schemaX, onePool);
            Runner y = runners.openSchema(TestDatabases.PG_URL, schemaY, onePool);
            String idX = x.execute("stamp", Context.empty()).executionId();
            String idY = y.execute("stamp", Context.empty()).executionId();
            // One physical connection, shared: poison it as a careless borrower would.
            try (Connection c = x.database().dataSource().getConnection(); Statement st = c.createStatement()) {
                st.execute("SET search_path TO \"" + schemaY + "\"");
            }
            assertEquals(List.of(idX), x.history().recentExecutions(null, 100).stream().map(ExecutionRecord::id).toList());
            assertEquals(List.of(idY), y.history().recentExecutions(null, 100).stream().map(ExecutionRecord::id).toList());
            assertTrue(x.history().findExecution(idY).isEmpty());
        }
    }

    @Test
    void rotating_tenant_a_password_leaves_tenant_b_untouched_and_locks_out_the_old_one() throws SQLException {
        String rotated = "rotated-" + uniqueName("pw");
        try (RunnerFactory runners = new RunnerFactory(registry())) {
            Runner runnerB = runners.open(b.connectionString(), RunnerConfig.DEFAULT);
            try (Connection c = TestDatabases.adminConnection()) {
                c.unwrap(org.postgresql.PGConnection.class).alterUserPassword(a.username(), rotated.toCharArray(),
                        "scram-sha-256");
            }
            try {
                SQLException old = assertThrows(SQLException.class, () -> connectAs(a).close());
                assertEquals("28P01", old.getSQLState());
                assertDoesNotThrow(() -> connectAs(a.username(), rotated).close());
                assertEquals("Completed", runnerB.execute("stamp", Context.empty()).status().name());
                assertDoesNotThrow(() -> connectAs(b).close());
            } finally {
                try (Connection c = TestDatabases.adminConnection()) {
                    c.unwrap(org.postgresql.PGConnection.class).alterUserPassword(a.username(),
                            a.password().toCharArray(), "scram-sha-256");
                }
            }
        }
    }

    @Test
    void a_wrong_password_is_reported_as_such() {
        var url = (DatabaseUrl.Postgres) DatabaseUrl.parse(b.connectionString());
        String wrong = url.withCredentials(b.username(), "not-the-password", b.schemaName()).toUrlString();
        CloacaException e = assertCloaca(CloacaException.Kind.STORAGE, () -> Runner.open(wrong, RunnerConfig.DEFAULT, registry()));
        assertTrue(e.getMessage().contains("password authentication failed"), e.getMessage());
        assertTrue(!e.getMessage().contains("not-the-password"), e.getMessage());
    }
}
