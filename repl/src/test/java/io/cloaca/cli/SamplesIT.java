package io.cloaca.cli;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs each sample through the real launcher and checks what it prints. */
class SamplesIT {

    @Test
    void sample_01_runs_a_three_task_chain() throws Exception {
        CloacaProcess.Result r = CloacaProcess.run(Map.of(), "run", "samples/python/01_first_workflow.py");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().contains("fetched order 42\ndiscounted total: 11.25\nstatus: Completed\n"), r::toString);
        assertTrue(r.stdout().contains("receipt: Order 42: 2 items, 11.25 EUR"), r::toString);
    }
}
