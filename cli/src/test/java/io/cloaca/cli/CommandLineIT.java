package io.cloaca.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code cloaca} command line as a newcomer tries it: help, mistakes, and the launcher's build step. */
class CommandLineIT {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"run", "repl", "test", "executions", "bench", "daemon"})
    void every_subcommand_has_help(String command) throws Exception {
        CloacaProcess.Result r = CloacaProcess.run(Map.of(), command, "--help");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().startsWith("Usage: cloaca " + command + " "), r::toString);
        assertEquals("", r.stderr(), r::toString);
    }

    /** A mistake in the options is its line and a hint, not the whole usage (which buries that line). */
    @ParameterizedTest
    @ValueSource(strings = {"--bogus", "run --bogus x.py", "repl --bogus", "executions --bogus", "schedules --bogus",
            "triggers --bogus", "tenants --bogus", "tenants list --bogus", "ui --bogus", "bench --bogus",
            "daemon --bogus status"})
    void an_unknown_option_is_one_line_and_a_hint(String commandLine) throws Exception {
        CloacaProcess.Result r = CloacaProcess.run(Map.of(), commandLine.split(" "));
        assertEquals(2, r.exitCode(), r::toString);
        String command = ("cloaca " + commandLine.substring(0, commandLine.indexOf("--bogus"))).strip();
        assertEquals("Unknown option: '--bogus'\nTry '" + command + " --help' for more information.\n", r.stderr(),
                r::toString);
        assertEquals("", r.stdout(), r::toString);
    }

    @Test
    void a_missing_script_is_one_line_and_a_hint() throws Exception {
        CloacaProcess.Result r = CloacaProcess.run(Map.of(), "run");
        assertEquals(2, r.exitCode(), r::toString);
        assertEquals("Missing required parameter: 'SCRIPT'\nTry 'cloaca run --help' for more information.\n",
                r.stderr(), r::toString);
    }

    @Test
    void options_after_the_script_are_the_scripts() throws Exception {
        Path script = Files.writeString(dir.resolve("argv.py"), "import sys\nprint(sys.argv[1:])\n");
        CloacaProcess.Result r = CloacaProcess.run(Map.of(), "run", script.toString(), "--help", "-x");
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("['--help', '-x']\n", r.stdout(), r::toString);
    }

    @Test
    void pytest_options_reach_pytest() throws Exception {
        Path test = Files.writeString(dir.resolve("test_sum.py"), "def test_sum():\n    assert 1 + 1 == 2\n");
        CloacaProcess.Result r = CloacaProcess.run(Map.of(), "test", "-q", "-x", test.toString());
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().contains("1 passed"), r::toString);
    }

    @Test
    void an_unknown_command_lists_the_commands() throws Exception {
        CloacaProcess.Result r = CloacaProcess.run(Map.of(), "tst");
        assertEquals(2, r.exitCode(), r::toString);
        assertEquals("cloaca: unknown command 'tst'; the commands are run, repl, test, executions, schedules, triggers, tenants, ui, bench, daemon"
                + " (cloaca --help tells more)\n", r.stderr(), r::toString);
        assertEquals("", r.stdout(), r::toString);
    }

    @Test
    void running_a_directory_says_it_is_one() throws Exception {
        CloacaProcess.Result r = CloacaProcess.run(Map.of(), "run", dir.toString());
        assertNotEquals(0, r.exitCode(), r::toString);
        assertEquals("cloaca run: '" + dir + "' is a directory, not a Python script\n", r.stderr(), r::toString);
    }

    @Test
    void running_compiled_python_says_to_run_the_source() throws Exception {
        // A CPython 3.12 .pyc header: magic number, CR LF, flags, then mtime and size.
        Path pyc = Files.write(dir.resolve("hello.cpython-312.pyc"),
                new byte[] {(byte) 0xcb, 0x0d, '\r', '\n', 0, 0, 0, 0, 1, 2, 3, 4, 5, 0, 0, 0, (byte) 0xe3});
        CloacaProcess.Result r = CloacaProcess.run(Map.of(), "run", pyc.toString());
        assertEquals(2, r.exitCode(), r::toString);
        assertEquals("cloaca run: '" + pyc + "' is compiled Python (a .pyc file, CPython's bytecode), which GraalPy"
                + " does not run; run its .py source\n", r.stderr(), r::toString);
        // A script whose first line is a two-character comment ending in CR LF is text, and runs.
        Path crlf = Files.write(dir.resolve("crlf.py"), "# \r\nprint('ran')\r\n".getBytes(StandardCharsets.UTF_8));
        CloacaProcess.Result text = CloacaProcess.run(Map.of(), "run", crlf.toString());
        assertEquals(0, text.exitCode(), text::toString);
        assertEquals("ran\n", text.stdout(), text::toString);
    }

    /**
     * A copy of the launcher has no build next to it, so it calls Maven: a stand-in {@code mvn} first
     * on PATH records the JAVA_HOME it was given, without building anything.
     */
    @Test
    void the_launcher_builds_with_the_java_it_runs_on() throws Exception {
        Path launcher = Files.copy(CloacaProcess.ROOT.resolve("cloaca"), dir.resolve("cloaca"));
        Path bin = Files.createDirectory(dir.resolve("bin"));
        Path seen = dir.resolve("java_home.txt");
        Path mvn = Files.writeString(bin.resolve("mvn"), "#!/bin/sh\nprintf '%s' \"$JAVA_HOME\" > '" + seen + "'\nexit 3\n");
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "--version").directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile());
        pb.environment().remove("JAVA_HOME");
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        Process p = pb.start();
        assertTrue(p.waitFor(1, TimeUnit.MINUTES), "the launcher did not finish");
        String output = Files.readString(dir.resolve("out.txt"), StandardCharsets.UTF_8);
        assertNotEquals(0, p.exitValue(), "a failed build must stop the launcher: " + output);
        String javaHome = Files.readString(seen, StandardCharsets.UTF_8);
        assertTrue(Files.isExecutable(Path.of(javaHome, "bin", "java")),
                "mvn was given JAVA_HOME='" + javaHome + "'; launcher output: " + output);
    }
}
