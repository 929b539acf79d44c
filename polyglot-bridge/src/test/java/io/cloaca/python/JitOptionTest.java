package io.cloaca.python;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code PythonRuntime.builder().jit(true)} for embedders: on a JVM without the Graal compiler (the test
 * JVM, unless started for the JIT) it says why in one line on the runtime's stderr and interprets.
 */
class JitOptionTest {

    @Test
    void jit_without_the_graal_compiler_says_why_in_one_line_and_runs_python() {
        assumeTrue(PythonRuntime.jitUnavailableReason() != null, "this test JVM can compile Python");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (PythonRuntime python = PythonRuntime.builder().jit(true).err(err).build()) {
            assertFalse(python.jit());
            assertEquals(42, python.eval("6 * 7").asInt());
        }
        String notice = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, notice.lines().count(), notice);
        assertTrue(notice.startsWith("cloaca: JIT requested, but "), notice);
        assertTrue(notice.contains("org.graalvm.compiler:compiler"), notice);
        assertTrue(notice.strip().endsWith("; Python runs interpreted."), notice);
    }

    @Test
    void the_default_interprets_and_says_nothing() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (PythonRuntime python = PythonRuntime.builder().err(err).build()) {
            assertFalse(python.jit());
            assertEquals(42, python.eval("6 * 7").asInt());
        }
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }
}
