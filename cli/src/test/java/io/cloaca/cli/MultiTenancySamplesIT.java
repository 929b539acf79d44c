package io.cloaca.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the multi-tenancy samples through the real launcher against a database made for this class
 * ({@code cloaca_it_<random>} on the server of {@code CLOACA_TEST_PG_URL}), dropped afterwards with
 * the schemas the samples keep; tenant roles, which outlive databases, are dropped too.
 */
class MultiTenancySamplesIT {

    private static final String SAMPLE = "samples/python/06_multi_tenancy.py";
    private static final String ADMIN_SAMPLE = "samples/python/06_multi_tenancy_admin.py";
    private static final Pattern ADMIN_ROLE = Pattern.compile("role (sample06_\\w+_user)");

    private static TestPostgres db;
    private static final List<String> rolesSeen = new ArrayList<>();

    @BeforeAll
    static void createDatabase() throws Exception {
        db = TestPostgres.createDatabase();
        // Roles of earlier runs that died between creating a tenant and removing it.
        db.dropRoles(db.orphanRolesStartingWith("sample06_"));
    }

    @AfterAll
    static void dropDatabase() throws Exception {
        if (db != null) {
            try {
                db.dropRoles(rolesSeen);
            } finally {
                db.close();
            }
        }
    }

    private static CloacaProcess.Result run(String sample) throws Exception {
        return CloacaProcess.run(Map.of("DATABASE_URL", db.url()), "run", sample);
    }

    private static void assertNoFailureLine(CloacaProcess.Result r) {
        assertFalse(r.stdout().contains("✗"), () -> "a step failed:\n" + r);
    }

    @Test
    void schema_per_tenant_sample() throws Exception {
        CloacaProcess.Result r = run(SAMPLE);
        assertEquals(0, r.exitCode(), r::toString);
        for (String line : List.of(
                "✓ acme: 3 invoices, total 300.49\n",
                "✓ globex: 1 invoice, total 1500.00\n",
                "✓ initech: 2 invoices, total 30.00\n",
                "✓ umbrella: 2 invoices, total 100.00\n",
                "✓ runners are cached: one per tenant, open for ['acme', 'umbrella']\n",
                "✓ invalid tenant ids opened no runner\n",
                "✓ recovery: 3 invoices, total 6.00\n",
                "✓ recovery: 1 invoice, total 4.00\n",
                "✓ recovery: a second runner on sample06_recovery carried on where the first one stopped\n")) {
            assertTrue(r.stdout().contains(line), () -> "missing «" + line.strip() + "»:\n" + r);
        }
        for (String bad : List.of("'acme-corp'", "''", "'Acme'", "'9lives'", "\"x'; DROP SCHEMA public; --\"")) {
            assertTrue(r.stdout().contains("  rejected: invalid tenant id " + bad + ":"), () -> bad + " not rejected:\n" + r);
        }
        assertTrue(r.stdout().contains("  with_schema('acme-corp') rejected: Schema name must contain only alphanumeric"
                + " characters and underscores"), r::toString);
        assertTrue(r.stdout().contains("  with_schema('') rejected: Schema name cannot be empty"), r::toString);
        assertNoFailureLine(r);

        // The schemas are kept, so a second run reuses them.
        CloacaProcess.Result again = run(SAMPLE);
        assertEquals(0, again.exitCode(), again::toString);
        assertNoFailureLine(again);
    }

    @Test
    void admin_sample_provisions_runs_and_removes_tenants() throws Exception {
        CloacaProcess.Result r = run(ADMIN_SAMPLE);
        Matcher m = ADMIN_ROLE.matcher(r.stdout());
        while (m.find()) {
            rolesSeen.add(m.group(1));
        }
        assertEquals(0, r.exitCode(), r::toString);
        for (String line : List.of(
                "generated password of 32 letters and digits\n",
                "✓ acme: hello from acme's own schema\n",
                "✓ globex: hello from globex's own schema\n",
                "✓ TenantCredentials' repr masks the password and connection string\n",
                "✓ acme's login was refused globex's schema: Failed to create DefaultRunner: ",
                "✓ creating acme twice was refused: Failed to create tenant: role \"sample06_acme_",
                "✓ acme: removed schema sample06_acme_",
                "✓ globex: removed schema sample06_globex_")) {
            assertTrue(r.stdout().contains(line), () -> "missing «" + line.strip() + "»:\n" + r);
        }
        assertTrue(r.stdout().contains("password='***'") && r.stdout().contains("connection_string='***'"), r::toString);
        assertNoFailureLine(r);
        assertEquals(2, rolesSeen.stream().distinct().count(), r::toString);
        for (String role : rolesSeen) {
            assertTrue(db.rolesStartingWith(role).isEmpty(), "the sample left role " + role + " behind");
        }

        // Nothing is left behind, so it runs again.
        CloacaProcess.Result again = run(ADMIN_SAMPLE);
        Matcher m2 = ADMIN_ROLE.matcher(again.stdout());
        while (m2.find()) {
            rolesSeen.add(m2.group(1));
        }
        assertEquals(0, again.exitCode(), again::toString);
        assertNoFailureLine(again);
    }

    @Test
    void samples_refuse_a_missing_or_non_postgres_database_url() throws Exception {
        for (String sample : List.of(SAMPLE, ADMIN_SAMPLE)) {
            CloacaProcess.Result missing = CloacaProcess.run(Map.of("DATABASE_URL", ""), "run", sample);
            assertEquals(2, missing.exitCode(), missing::toString);
            assertTrue(missing.stderr().contains("DATABASE_URL is not set"), missing::toString);

            CloacaProcess.Result sqlite = CloacaProcess.run(Map.of("DATABASE_URL", "sqlite://tenants.db"), "run", sample);
            assertEquals(2, sqlite.exitCode(), sqlite::toString);
            assertTrue(sqlite.stderr().contains("DATABASE_URL must be a PostgreSQL URL"), sqlite::toString);
        }
    }
}
