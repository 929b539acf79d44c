package io.cloaca.cli;

import org.junit.jupiter.api.Test;

import java.util.Map;

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
        assertTrue(r.stdout().contains("Hello from Cloaca backend!"), r::toString);
        assertTrue(r.stdout().contains("n = 42"), r::toString);
        assertTrue(r.stderr().contains("ZeroDivisionError: division by zero"), r::toString);
        assertFalse(r.stderr().contains("at io.cloaca"), "no Java stack trace: " + r);
    }

    @Test
    void exit_with_a_code_leaves_with_that_code() throws Exception {
        CloacaProcess.Result r = CloacaProcess.runWithInput(Map.of(), "exit(3)\n", "repl");
        assertEquals(3, r.exitCode(), r::toString);
    }
}
