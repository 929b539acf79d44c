package io.cloaca.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code cloaca run --jit} through the real launcher: on a JDK that cannot load the Graal compiler it
 * says so in one line and the script still runs interpreted; on Temurin 25 Python really is compiled,
 * which the script itself observes in the engine's compilation log (no timing involved).
 */
class JitIT {

    private static final Path JDK_17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64");
    private static final Path TEMURIN_25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");

    @TempDir
    Path dir;

    private Path hello() throws Exception {
        Path script = dir.resolve("hello.py");
        Files.writeString(script, "import cloaca\nprint('hello from', cloaca.__name__)\n");
        return script;
    }

    /** The one line a notice takes on stderr (the launcher's other output is empty on a built tree). */
    private static String notice(CloacaProcess.Result result) {
        String[] lines = result.stderr().strip().split("\n");
        assertEquals(1, lines.length, result::toString);
        return lines[0];
    }

    @Test
    void jit_on_jdk_17_says_so_in_one_line_and_runs_interpreted() throws Exception {
        assumeTrue(Files.isExecutable(JDK_17.resolve("bin/java")), "no JDK 17 at " + JDK_17);
        Path script = hello();
        for (var run : new Object[][] {
                {Map.of("JAVA_HOME", JDK_17.toString()), new String[] {"run", "--jit", script.toString()}},
                {Map.of("JAVA_HOME", JDK_17.toString(), "CLOACA_JIT", "1"), new String[] {"run", script.toString()}}}) {
            @SuppressWarnings("unchecked") Map<String, String> env = (Map<String, String>) run[0];
            CloacaProcess.Result result = CloacaProcess.run(env, (String[]) run[1]);
            assertEquals(0, result.exitCode(), result::toString);
            assertEquals("hello from cloaca\n", result.stdout(), result::toString);
            String line = notice(result);
            assertTrue(line.startsWith("cloaca: JIT requested, but Java 17 "), result::toString);
            assertTrue(line.contains("needs JDK 25"), result::toString);
            assertTrue(line.endsWith("; Python runs interpreted."), result::toString);
        }
    }

    @Test
    void compiler_jars_of_another_version_are_named_and_python_runs_interpreted() throws Exception {
        assumeTrue(Files.isExecutable(TEMURIN_25.resolve("bin/java")), "no Temurin 25 at " + TEMURIN_25);
        Path jars = Files.createDirectories(dir.resolve("jit"));
        for (String jar : new String[] {"compiler", "truffle-compiler", "collections", "word"}) {
            Files.writeString(jars.resolve(jar + "-25.0.4.jar"), "not a jar");
        }
        CloacaProcess.Result result = CloacaProcess.run(Map.of("JAVA_HOME", TEMURIN_25.toString(),
                "CLOACA_JIT_DIR", jars.toString()), "run", "--jit", hello().toString());
        assertEquals(0, result.exitCode(), result::toString);
        assertEquals("hello from cloaca\n", result.stdout(), result::toString);
        String line = notice(result);
        assertTrue(line.contains("compiler-25.0.4.jar is not GraalPy's version 25.0.3"), result::toString);
        assertTrue(line.endsWith("; Python runs interpreted."), result::toString);
    }

    @Test
    void a_bad_cloaca_jit_value_is_refused_naming_it() throws Exception {
        CloacaProcess.Result result = CloacaProcess.run(Map.of("CLOACA_JIT", "maybe"), "run", hello().toString());
        assertEquals(2, result.exitCode(), result::toString);
        assertEquals("", result.stdout(), result::toString);
        assertTrue(result.stderr().contains("CLOACA_JIT must be 1 or 0"), result::toString);
        assertTrue(result.stderr().contains("'maybe'"), result::toString);
    }

    @Test
    void jit_on_temurin_25_compiles_python() throws Exception {
        assumeTrue(Files.isExecutable(TEMURIN_25.resolve("bin/java")), "no Temurin 25 at " + TEMURIN_25);
        Path log = dir.resolve("compilation.log");
        Path script = dir.resolve("hot.py");
        // Calls fib until the engine logs that it compiled it: proof the optimizing runtime is in use.
        // The deadline only bounds a broken setup; the assertion is on the log, not on a time.
        Files.writeString(script, """
                import time
                def fib(n):
                    return n if n < 2 else fib(n - 1) + fib(n - 2)
                def compiled():
                    try:
                        with open(%s) as f:
                            return any('opt done' in l and 'fib' in l for l in f)
                    except FileNotFoundError:
                        return False
                deadline = time.monotonic() + 240
                while not compiled() and time.monotonic() < deadline:
                    fib(12)
                print('fib compiled' if compiled() else 'fib never compiled')
                """.formatted("'" + log + "'"));
        CloacaProcess.Result result = CloacaProcess.run(Map.of("JAVA_HOME", TEMURIN_25.toString(),
                "CLOACA_JAVA_OPTS", "-Dpolyglot.engine.TraceCompilation=true -Dpolyglot.log.file=" + log),
                "run", "--jit", script.toString());
        assertEquals(0, result.exitCode(), result::toString);
        assertEquals("fib compiled\n", result.stdout(), result::toString);
        assertFalse(result.stderr().contains("JIT requested"), result::toString);
    }
}
