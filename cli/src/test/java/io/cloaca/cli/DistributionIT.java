package io.cloaca.cli;

import io.cloaca.engine.CloacaVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The distribution {@code mvn package} makes (cli/target/cloaca-VERSION/), copied out of the
 * repository as a user would install it, and run from another folder with nothing but a JDK.
 */
class DistributionIT {

    @TempDir
    Path dir;

    private static final String HELLO = """
            import cloaca
            import sys

            @cloaca.task(id="hello")
            def hello(ctx):
                ctx.set("greeting", "hello from " + sys.argv[1])
                return ctx

            with cloaca.WorkflowBuilder("hello_dist") as b:
                b.add_task("hello")
            with cloaca.DefaultRunner(sys.argv[2]) as runner:
                print(runner.execute("hello_dist", cloaca.Context()).final_context.get("greeting"))
            """;

    /** Copies the built distribution to {@code dir/name}, keeping file modes (bin/cloaca is executable). */
    private Path install(String name) throws IOException, InterruptedException {
        Path built = CloacaProcess.ROOT.resolve("cli/target/cloaca-" + CloacaVersion.get());
        assertTrue(Files.isExecutable(built.resolve("bin/cloaca")), "mvn package made no " + built);
        assertTrue(Files.isRegularFile(CloacaProcess.ROOT.resolve("cli/target/cloaca-" + CloacaVersion.get() + ".tar.gz")),
                "mvn package made no .tar.gz beside " + built);
        Path target = dir.resolve(name);
        Process copy = new ProcessBuilder("cp", "-a", built.toString(), target.toString()).inheritIO().start();
        assertEquals(0, copy.waitFor());
        // Archives of the build folder are not the installation's: start without one.
        try (Stream<Path> archives = Files.list(target.resolve("lib"))) {
            for (Path archive : archives.filter(p -> p.toString().endsWith(".jsa")).toList()) {
                Files.delete(archive);
            }
        }
        return target;
    }

    private static List<String> cloaca(Path installation, String... args) {
        List<String> command = new ArrayList<>(List.of(installation.resolve("bin/cloaca").toString()));
        command.addAll(List.of(args));
        return command;
    }

    @Test
    void a_copied_distribution_runs_scripts_the_repl_tests_and_executions_from_any_folder() throws Exception {
        Path installation = install("cloaca-installed");
        Path work = Files.createDirectories(dir.resolve("work"));
        Files.writeString(work.resolve("hello.py"), HELLO);
        String url = "sqlite://" + work.resolve("dist.db");

        CloacaProcess.Result run = CloacaProcess.exec(cloaca(installation, "run", "hello.py", "the dist", url), work,
                Map.of(), "");
        assertEquals(0, run.exitCode(), run::toString);
        assertEquals("hello from the dist\n", run.stdout(), run::toString);
        try (Stream<Path> lib = Files.list(installation.resolve("lib"))) {
            assertTrue(lib.anyMatch(p -> p.toString().endsWith(".jsa")), "no class-data archive written in lib/");
        }

        CloacaProcess.Result executions = CloacaProcess.exec(cloaca(installation, "executions", "--database", url),
                work, Map.of(), "");
        assertEquals(0, executions.exitCode(), executions::toString);
        assertTrue(executions.stdout().contains("hello_dist"), executions::toString);

        CloacaProcess.Result repl = CloacaProcess.exec(cloaca(installation, "repl"), work, Map.of(),
                "print(cloaca.__version__)\n");
        assertEquals(0, repl.exitCode(), repl::toString);
        assertEquals(CloacaVersion.get() + "\n", repl.stdout(), repl::toString);

        Files.writeString(work.resolve("test_sum.py"), "def test_sum():\n    assert 1 + 1 == 2\n");
        CloacaProcess.Result test = CloacaProcess.exec(cloaca(installation, "test", "-q", "test_sum.py"), work,
                Map.of(), "");
        assertEquals(0, test.exitCode(), test::toString);
        assertTrue(test.stdout().contains("1 passed"), test::toString);
    }

    /**
     * A folder its user may not write (installed by root, say): the archive goes to the user's cache.
     * Run as a user without write access: as root, that is nobody (root may write anywhere).
     */
    @Test
    void a_read_only_installation_keeps_its_archive_in_the_users_cache() throws Exception {
        Path installation = install("cloaca-read-only");
        Path home = Files.createDirectories(dir.resolve("home"));
        Path work = Files.createDirectories(dir.resolve("ro-work"));
        Files.writeString(work.resolve("hello.py"), HELLO);
        List<String> command = new ArrayList<>();
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            // nobody must reach the files: open the test's folders to others, and give it the home and work folders.
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            assertEquals(0, new ProcessBuilder("chown", "-R", "nobody", home.toString(), work.toString())
                    .inheritIO().start().waitFor());
            command.addAll(List.of("runuser", "-u", "nobody", "--", "env", "HOME=" + home));
        } else {
            assertEquals(0, new ProcessBuilder("chmod", "-R", "a-w", installation.toString()).inheritIO().start().waitFor());
        }
        command.addAll(cloaca(installation, "run", "hello.py", "a read-only folder", "sqlite://" + work.resolve("ro.db")));
        try {
            CloacaProcess.Result run = CloacaProcess.exec(command, work, Map.of("HOME", home.toString()), "");
            assertEquals(0, run.exitCode(), run::toString);
            assertEquals("hello from a read-only folder\n", run.stdout(), run::toString);
            try (Stream<Path> lib = Files.list(installation.resolve("lib"))) {
                assertTrue(lib.noneMatch(p -> p.toString().endsWith(".jsa")), "an archive was written in lib/");
            }
            try (Stream<Path> cache = Files.walk(home.resolve(".cache/cloaca"))) {
                assertTrue(cache.anyMatch(p -> p.toString().endsWith(".jsa")), "no archive in ~/.cache/cloaca");
            }
        } finally {
            if (!root) {
                new ProcessBuilder("chmod", "-R", "u+w", installation.toString()).inheritIO().start().waitFor();
            }
        }
    }
}
