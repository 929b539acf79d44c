package io.cloaca.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.store.DatabaseUrl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cloaca tenants} and {@code cloaca executions --schema/--json} through the launcher, on a fresh
 * database of the PostgreSQL test server; every role a test makes is dropped when the class ends.
 */
class TenantsCommandIT {

    private static TestPostgres pg;
    private static final List<String> roles = new ArrayList<>();

    @TempDir
    Path dir;

    @BeforeAll
    static void createDatabase() throws SQLException {
        pg = TestPostgres.createDatabase();
    }

    @AfterAll
    static void dropEverything() throws SQLException {
        try {
            pg.dropRoles(roles);
        } finally {
            pg.close();
        }
    }

    private static String newName(String prefix) {
        String name = prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        if (prefix.startsWith("it_role")) {
            roles.add(name);
        }
        return name;
    }

    private static CloacaProcess.Result cloaca(String... args) throws Exception {
        return CloacaProcess.run(Map.of(), args);
    }

    @Test
    void create_prints_the_connection_string_once_list_shows_the_tenant_remove_drops_schema_and_role()
            throws Exception {
        String schema = newName("it_tenant_");
        String role = newName("it_role_");
        try {
            CloacaProcess.Result created = cloaca("tenants", "create", "--database", pg.url(), schema, role);
            assertEquals(0, created.exitCode(), created::toString);
            List<String> out = created.stdout().lines().toList();
            assertEquals(1, out.size(), created::toString);
            DatabaseUrl.Postgres tenant = (DatabaseUrl.Postgres) DatabaseUrl.parse(out.get(0));
            assertEquals(role, tenant.user());
            assertEquals(schema, tenant.schema());
            assertEquals(pg.name(), tenant.database());
            assertEquals(32, tenant.password().length(), "a generated password");
            assertFalse(created.stderr().contains(tenant.password()), created::toString);

            // The tenant's own login runs a workflow in its schema; the admin reads it with --schema.
            Path script = dir.resolve("tenant_run.py");
            Files.writeString(script, """
                    import os
                    import cloaca

                    with cloaca.WorkflowBuilder("billing") as builder:
                        @cloaca.task(id="charge")
                        def charge(context):
                            context.set("charged", 42)
                            return context

                    with cloaca.DefaultRunner(os.environ["DATABASE_URL"]) as runner:
                        print(runner.execute("billing", cloaca.Context()).status)
                    """);
            CloacaProcess.Result run = CloacaProcess.run(Map.of("DATABASE_URL", out.get(0)), "run", script.toString());
            assertEquals(0, run.exitCode(), run::toString);

            CloacaProcess.Result list = cloaca("executions", "--database", pg.url(), "--schema", schema, "--json");
            assertEquals(0, list.exitCode(), list::toString);
            JsonNode executions = Context.JSON.readTree(list.stdout());
            assertEquals(1, executions.size(), list::toString);
            JsonNode execution = executions.get(0);
            assertEquals("billing", execution.get("workflow_name").asText());
            assertEquals("Completed", execution.get("status").asText());
            assertEquals("execute", execution.get("started_by").asText());
            assertTrue(execution.get("schedule_id").isNull() && execution.has("end_time")
                    && execution.has("error_message"), list::toString);

            String id = execution.get("execution_id").asText();
            CloacaProcess.Result one = cloaca("executions", "--database", pg.url(), "--schema", schema, "--json", id);
            assertEquals(0, one.exitCode(), one::toString);
            JsonNode detail = Context.JSON.readTree(one.stdout());
            assertEquals(id, detail.get("execution_id").asText());
            assertEquals(42, detail.get("final_context").get("charged").asInt(), one::toString);
            JsonNode task = detail.get("task_results").get(0);
            assertEquals("charge", task.get("task_id").asText());
            assertEquals("Completed", task.get("status").asText());
            assertEquals(1, task.get("attempts").asInt());

            // Without --schema the admin's search_path (public) holds no tables: the schema is what chose.
            CloacaProcess.Result other = cloaca("executions", "--database", pg.url(), "--json");
            assertOneLineError(other, 1, "no cloaca tables in this database");

            CloacaProcess.Result tenants = cloaca("tenants", "list", "--database", pg.url());
            assertEquals(0, tenants.exitCode(), tenants::toString);
            assertTrue(tenants.stdout().lines().anyMatch(l -> l.strip().replaceAll("\\s+", " ")
                    .equals(schema + " " + role)), tenants::toString);

            CloacaProcess.Result removed = cloaca("tenants", "remove", "--database", pg.url(), schema, role);
            assertEquals(0, removed.exitCode(), removed::toString);
            assertEquals("removed schema " + schema + " and role " + role, removed.stdout().strip());
            assertFalse(schemaExists(schema));
            assertFalse(roleExists(role));
            CloacaProcess.Result after = cloaca("tenants", "list", "--database", pg.url());
            assertFalse(after.stdout().contains(schema), after::toString);
        } finally {
            pg.dropSchemas(List.of(schema));
        }
    }

    @Test
    void remove_names_what_it_dropped_and_what_was_not_there() throws Exception {
        String schema = newName("it_tenant_");
        String role = newName("it_role_");
        CloacaProcess.Result neither = cloaca("tenants", "remove", "--database", pg.url(), schema, role);
        assertEquals(0, neither.exitCode(), neither::toString);
        assertEquals("nothing to remove: no schema " + schema + " and no role " + role, neither.stdout().strip());

        try (Connection c = pg.connect(pg.name()); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + role);
        }
        CloacaProcess.Result roleOnly = cloaca("tenants", "remove", "--database", pg.url(), schema, role);
        assertEquals(0, roleOnly.exitCode(), roleOnly::toString);
        assertEquals("removed role " + role + "; there was no schema " + schema, roleOnly.stdout().strip());
        assertFalse(roleExists(role));

        try (Connection c = pg.connect(pg.name()); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
        }
        try {
            CloacaProcess.Result schemaOnly = cloaca("tenants", "remove", "--database", pg.url(), schema, role);
            assertEquals(0, schemaOnly.exitCode(), schemaOnly::toString);
            assertEquals("removed schema " + schema + "; there was no role " + role, schemaOnly.stdout().strip());
            assertFalse(schemaExists(schema));
        } finally {
            pg.dropSchemas(List.of(schema));
        }
    }

    @Test
    void a_given_password_is_in_the_connection_string_and_nowhere_else() throws Exception {
        String schema = newName("it_tenant_");
        String role = newName("it_role_");
        String password = "Pw" + UUID.randomUUID().toString().replace("-", "");
        try {
            CloacaProcess.Result created = cloaca("tenants", "create", "--password", password, "--database", pg.url(),
                    schema, role);
            assertEquals(0, created.exitCode(), created::toString);
            assertEquals(password, ((DatabaseUrl.Postgres) DatabaseUrl.parse(created.stdout().strip())).password());
            assertFalse(created.stderr().contains(password), created::toString);
        } finally {
            pg.dropSchemas(List.of(schema));
        }
    }

    @Test
    void a_hostile_name_is_refused_before_anything_is_created() throws Exception {
        String role = newName("it_role_");
        String hostile = "x\"; DROP SCHEMA public CASCADE; --";
        CloacaProcess.Result r = cloaca("tenants", "create", "--database", pg.url(), hostile, role);
        assertOneLineError(r, 2, "Schema name must contain only alphanumeric characters and underscores");
        assertFalse(roleExists(role));

        CloacaProcess.Result badRole = cloaca("tenants", "create", "--database", pg.url(), newName("it_tenant_"),
                "postgres");
        assertOneLineError(badRole, 2, "postgres");

        CloacaProcess.Result remove = cloaca("tenants", "remove", "--database", pg.url(), "public", role);
        assertOneLineError(remove, 2, "public");
        assertTrue(schemaExists("public"));

        // The name is judged before the server is asked, so it is the error even when the server is down.
        CloacaProcess.Result down = cloaca("tenants", "create", "--database",
                "postgresql://postgres@127.0.0.1:1/postgres", "1acme", role);
        assertOneLineError(down, 2, "Schema name must start with a letter or an underscore, got '1acme'");
    }

    @Test
    void a_role_that_may_not_create_roles_gets_one_line_and_leaves_nothing_behind() throws Exception {
        String weak = newName("it_role_weak_");
        try (Connection c = pg.connect(pg.name()); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + weak + " LOGIN");
            st.execute("GRANT CREATE ON DATABASE " + pg.name() + " TO " + weak);
        }
        String schema = newName("it_tenant_");
        String role = newName("it_role_");
        CloacaProcess.Result r = cloaca("tenants", "create", "--database", pg.urlAs(weak, null), schema, role);
        assertOneLineError(r, 1, "permission denied to create role");
        assertTrue(r.stderr().contains("nothing was created"), r::toString);
        assertFalse(schemaExists(schema));
        assertFalse(roleExists(role));
    }

    @Test
    void sqlite_and_unreachable_databases_are_one_line_errors() throws Exception {
        Path file = dir.resolve("local.db");
        String onlyPostgres = "tenants need PostgreSQL (a schema and a login role each, which SQLite lacks); ";
        String accepted = " is not a PostgreSQL URL; accepted: postgresql://user:password@host:port/database"
                + " or postgres://...";
        for (String url : List.of("sqlite://" + file, file.toString(), ":memory:")) {
            CloacaProcess.Result sqlite = cloaca("tenants", "list", "--database", url);
            assertOneLineError(sqlite, 2, onlyPostgres + "'" + url + "'" + accepted);
        }
        assertFalse(Files.exists(file));
        // Not the general list of database URLs, which offers SQLite forms that tenants refuse.
        CloacaProcess.Result mysql = cloaca("tenants", "list", "-d", "mysql://admin:secret@x/db");
        assertOneLineError(mysql, 2, "cloaca tenants list: " + onlyPostgres + "'mysql://admin:***@x/db'" + accepted);
        assertFalse(mysql.stderr().contains("sqlite") || mysql.stderr().contains("secret"), mysql::toString);
        CloacaProcess.Result noDatabase = cloaca("tenants", "list", "-d", "postgresql://127.0.0.1:1");
        assertOneLineError(noDatabase, 2, "Database name is required in URL path");

        CloacaProcess.Result unreachable = cloaca("tenants", "create", "--database",
                "postgresql://postgres@127.0.0.1:1/postgres", "acme", "acme_user");
        assertOneLineError(unreachable, 1, "Cannot connect to database");

        CloacaProcess.Result noCommand = cloaca("tenants");
        assertOneLineError(noCommand, 2, "say list, create SCHEMA USER or remove SCHEMA USER");
    }

    @Test
    void executions_of_a_schema_without_tables_an_unknown_execution_and_schema_on_sqlite_are_errors()
            throws Exception {
        String missing = newName("it_tenant_");
        CloacaProcess.Result noSchema = cloaca("executions", "--database", pg.url(), "--schema", missing, "--json");
        assertOneLineError(noSchema, 1, "no cloaca tables in schema " + missing);
        assertEquals("", noSchema.stdout());

        Path db = dir.resolve("history.db");
        CloacaProcess.Result run = CloacaProcess.run(Map.of("DATABASE_URL", "sqlite://" + db), "run",
                "samples/python/01_first_workflow.py");
        assertEquals(0, run.exitCode(), run::toString);
        CloacaProcess.Result unknown = cloaca("executions", "--database", "sqlite://" + db, "--json",
                UUID.randomUUID().toString());
        assertOneLineError(unknown, 1, "no execution");
        assertEquals("", unknown.stdout());

        Path file = dir.resolve("h.db");
        Files.createFile(file);
        CloacaProcess.Result sqlite = cloaca("executions", "--database", "sqlite://" + file, "--schema", "acme");
        assertOneLineError(sqlite, 2, "--schema needs a PostgreSQL URL");
    }

    private static void assertOneLineError(CloacaProcess.Result r, int exitCode, String text) {
        assertEquals(exitCode, r.exitCode(), r::toString);
        assertEquals(1, r.stderr().strip().lines().count(), r::toString);
        assertTrue(r.stderr().contains(text), r::toString);
    }

    private static boolean schemaExists(String schema) throws SQLException {
        return exists("SELECT 1 FROM pg_namespace WHERE nspname = ?", schema);
    }

    private static boolean roleExists(String role) throws SQLException {
        return exists("SELECT 1 FROM pg_roles WHERE rolname = ?", role);
    }

    private static boolean exists(String sql, String name) throws SQLException {
        try (Connection c = pg.connect(pg.name()); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
}
