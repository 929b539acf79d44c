package io.cloaca.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code cloaca repl} fed from a pipe: statements, blocks, errors, a workflow, and exit codes. */
class ReplIT {

    @Test
    void the_repl_runs_statements_blocks_and_workflows_and_survives_errors() throws Exception {
        String session = String.join("\n",
                "print(cloaca.hello_world())",
                "@cloaca.task(id='double')",
                "def double(ctx):",
                "    ctx.set('n', ctx.get('n') * 2)",
                "    return ctx",
                "",
                "b = cloaca.WorkflowBuilder('twice')",
                "b.add_task('double')",
                "cloaca.register_workflow_constructor('twice', b.build)",
                "1/0",
                "with cloaca.DefaultRunner(':memory:') as r:",
                "    print('n =', r.execute('twice', cloaca.Context({'n': 21})).final_context.get('n'))",
                "",
                "");
        CloacaProcess.Result r = CloacaProcess.runWithInput(Map.of(), session, "repl");
        assertEquals(0, r.exitCode(), r::toString);
        // Input from a pipe is not a terminal: no banner, no prompts, as python < file.
        assertEquals("Hello from Cloaca backend!\nn = 42\n", r.stdout(), r::toString);
        assertTrue(r.stderr().contains("ZeroDivisionError: division by zero"), r::toString);
        assertFalse(r.stderr().contains("at io.cloaca"), "no Java stack trace: " + r);
    }

    /**
     * On a terminal (a pseudo-terminal made by util-linux's script) the banner shows and typed lines
     * are kept in $HOME/.cloaca_history.
     */
    @Test
    void on_a_terminal_it_shows_the_banner_and_keeps_history_under_home(@TempDir Path home) throws Exception {
        String repl = "exec " + CloacaProcess.ROOT.resolve("cloaca") + " repl";
        Path out = home.resolve("out.txt");
        ProcessBuilder pb = new ProcessBuilder("script", "-qec", repl, "/dev/null").directory(home.toFile())
                .redirectInput(Files.writeString(home.resolve("in.txt"), "x = 20\nprint(x + 22)\nexit(4)\n").toFile())
                .redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("HOME", home.toString());
        Process p = pb.start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the repl did not leave");
        String output = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(4, p.exitValue(), output);
        assertTrue(output.contains("cloaca is imported") && output.contains("42"), output);
        Path history = home.resolve(ReplCommand.HISTORY_FILE);
        assertTrue(Files.exists(history), "no history in $HOME: " + output);
        assertTrue(Files.readString(history, StandardCharsets.UTF_8).contains("print(x + 22)"), output);
    }

    @Test
    void exit_with_a_code_leaves_with_that_code() throws Exception {
        CloacaProcess.Result r = CloacaProcess.runWithInput(Map.of(), "exit(3)\n", "repl");
        assertEquals(3, r.exitCode(), r::toString);
    }
}
