package io.cloaca.python;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the Python test suite (src/test/python) with pytest inside a real GraalPy runtime, against the
 * real cloaca module and engine. pytest comes from Debian's python3-pytest, which .ci/run installs.
 */
class PythonSuiteTest {

    private static final Path DIST_PACKAGES = Path.of("/usr/lib/python3/dist-packages");

    @Test
    void the_python_test_suite_passes_inside_graalpy() {
        assertTrue(Files.isDirectory(DIST_PACKAGES.resolve("_pytest")),
                "pytest is missing: install Debian's python3-pytest (bash .ci/run does)");
        try (PythonRuntime python = PythonRuntime.builder().arguments(List.of("pytest")).build()) {
            int exitCode = python.runPytest(List.of("src/test/python", "-q", "-rfE"), List.of(DIST_PACKAGES.toString()));
            assertEquals(0, exitCode, "pytest failed; its report is above");
        }
    }
}
