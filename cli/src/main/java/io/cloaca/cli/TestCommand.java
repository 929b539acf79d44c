package io.cloaca.cli;

import io.cloaca.python.PythonRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code cloaca test [pytest args]}: runs pytest inside the embedded runtime, so tests import the real
 * cloaca module. pytest comes from Debian's python3-pytest (pure Python) or from CLOACA_PYTHONPATH.
 */
@Command(name = "test", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Run pytest inside the cloaca runtime (needs Debian's python3-pytest).",
                "Other options are pytest's; 'cloaca test -- --help' shows pytest's help."})
final class TestCommand implements Callable<Integer> {

    static final String DEBIAN_DIST_PACKAGES = "/usr/lib/python3/dist-packages";

    @Parameters(paramLabel = "PYTEST_ARGS", description = "Arguments for pytest: test files, -k, -x, ...")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        List<String> path = new ArrayList<>();
        String extra = System.getenv("CLOACA_PYTHONPATH");
        if (extra != null && !extra.isBlank()) {
            path.addAll(List.of(extra.split(File.pathSeparator)));
        }
        path.add(DEBIAN_DIST_PACKAGES);
        List<String> argv = new ArrayList<>(List.of("pytest"));
        argv.addAll(args);
        try (PythonRuntime python = PythonRuntime.builder().arguments(argv).terminal(System.console() != null).build()) {
            return python.runPytest(args, path);
        }
    }
}
