package io.cloaca.cli;

import io.cloaca.engine.CloacaVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code cloaca --version} and a script's {@code cloaca.__version__} name the Maven project's version. */
class VersionIT {

    @TempDir
    Path dir;

    @Test
    void the_command_and_the_python_module_report_the_maven_project_version() throws Exception {
        String expected = CloacaVersion.get(); // filtered from the pom into the engine jar

        CloacaProcess.Result command = CloacaProcess.run(Map.of(), "--version");
        assertEquals(0, command.exitCode(), command::toString);
        assertTrue(command.stdout().startsWith("cloaca " + expected + " ("), command::toString);

        Path script = dir.resolve("version.py");
        Files.writeString(script, "import cloaca\nprint(cloaca.__version__)\nprint(cloaca.get_version())\n");
        CloacaProcess.Result module = CloacaProcess.run(Map.of(), "run", script.toString());
        assertEquals(0, module.exitCode(), module::toString);
        assertEquals(expected + "\n" + expected + "\n", module.stdout(), module::toString);
    }
}
