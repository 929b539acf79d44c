package io.cloaca.python;

import io.cloaca.engine.store.DatabaseUrl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the Python test suite (src/test/python) with pytest inside a real GraalPy runtime, against the
 * real cloaca module and engine. pytest comes from Debian's python3-pytest, which .ci/run installs.
 *
 * <p>The tenancy tests (test_tenancy.py) use the PostgreSQL server of {@code CLOACA_TEST_PG_URL}. Python
 * has no SQL access there, so the schemas its {@code DefaultRunner.with_schema} calls create cannot be
 * dropped from Python: they are all named with a prefix unique to this run
 * ({@code CLOACA_TEST_SCHEMA_PREFIX=pytest_<run>_}), and this class drops every schema (and any role
 * a failed teardown left) starting with that prefix after the suite. A run-unique prefix rather than
 * plain {@code pytest_} keeps a concurrent run of the suite on the same server from losing its schemas.
 */
class PythonSuiteTest {

    private static final Path DIST_PACKAGES = Path.of("/usr/lib/python3/dist-packages");
    private static final String PG_URL = System.getenv().getOrDefault("CLOACA_TEST_PG_URL",
            "postgresql://postgres@127.0.0.1:5432/postgres");

    private final String prefix = "pytest_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8) + "_";

    /**
     * The whole suite with its runners on SQLite, then again on PostgreSQL schemas (test_tenancy.py,
     * PostgreSQL-only, runs once).
     */
    @ParameterizedTest(name = "runners on {0}")
    @ValueSource(strings = {"sqlite", "postgresql"})
    void the_python_test_suite_passes_inside_graalpy(String backend) {
        assertTrue(Files.isDirectory(DIST_PACKAGES.resolve("_pytest")),
                "pytest is missing: install Debian's python3-pytest (bash .ci/run does)");
        // An explicit --basetemp keeps pytest from calling getpass.getuser(), whose import of the native
        // termios module fails in the second GraalPy context of a JVM.
        List<String> args = new ArrayList<>(List.of("src/test/python", "-q", "-rfE",
                "--basetemp=target/pytest-" + backend));
        if (backend.equals("postgresql")) {
            args.add("--ignore=src/test/python/test_tenancy.py");
        }
        try (PythonRuntime python = PythonRuntime.builder().arguments(List.of("pytest")).build()) {
            python.eval("import os\nos.environ['CLOACA_TEST_SCHEMA_PREFIX'] = '" + prefix + "'\n"
                    + "os.environ['CLOACA_TEST_BACKEND'] = '" + backend + "'\n");
            int exitCode = python.runPytest(args, List.of(DIST_PACKAGES.toString()));
            assertEquals(0, exitCode, "pytest failed on " + backend + "; its report is above");
        }
    }

    /** Drops the schemas and roles named with this run's prefix. */
    @AfterEach
    void dropWhatTheSuiteLeft() throws SQLException {
        DatabaseUrl.Postgres pg = (DatabaseUrl.Postgres) DatabaseUrl.parse(PG_URL);
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
             Statement st = c.createStatement()) {
            for (String schema : names(c, "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, ?)")) {
                st.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
            }
            for (String role : names(c, "SELECT rolname FROM pg_roles WHERE starts_with(rolname, ?)")) {
                st.execute("DROP OWNED BY \"" + role + "\"");
                st.execute("DROP ROLE IF EXISTS \"" + role + "\"");
            }
        }
    }

    private List<String> names(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, prefix);
            List<String> names = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            return names;
        }
    }
}
