package io.cloaca.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code cloaca run} exits as CPython does when the script calls sys.exit. */
class ExitCodeIT {

    private static CloacaProcess.Result run(Path dir, String code) throws Exception {
        Path script = Files.writeString(dir.resolve("exit.py"), code);
        return CloacaProcess.run(Map.of(), "run", script.toString());
    }

    @Test
    void sys_exit_codes(@TempDir Path dir) throws Exception {
        CloacaProcess.Result two = run(dir, "import sys\nprint('before')\nsys.exit(2)\n");
        assertEquals(2, two.exitCode(), two::toString);
        assertEquals("before\n", two.stdout(), two::toString);
        assertEquals("", two.stderr(), two::toString);

        CloacaProcess.Result none = run(dir, "import sys\nsys.exit()\n");
        assertEquals(0, none.exitCode(), none::toString);

        CloacaProcess.Result message = run(dir, "raise SystemExit('configuration missing')\n");
        assertEquals(1, message.exitCode(), message::toString);
        assertTrue(message.stderr().contains("configuration missing"), message::toString);
    }
}
