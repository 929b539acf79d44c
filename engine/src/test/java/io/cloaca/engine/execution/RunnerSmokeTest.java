package io.cloaca.engine.execution;

import io.cloaca.engine.context.Context;
import io.cloaca.engine.store.ExecutionStatus;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RunnerSmokeTest {

    @Test
    void a_chain_runs_in_order_and_passes_its_context() {
        WorkflowRegistry registry = new WorkflowRegistry();
        registry.register(Workflow.builder("chain")
                .task("a", ctx -> ctx.set("a", 1))
                .task("b", List.of("a"), ctx -> ctx.set("b", ctx.get("a").asInt() + 1))
                .task("c", List.of("b"), ctx -> ctx.set("c", ctx.get("b").asInt() + 1))
                .build());
        try (Runner runner = Runner.open(":memory:", RunnerConfig.DEFAULT, registry)) {
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                ExecutionResult result = runner.execute("chain", Context.empty().set("seed", i));
                System.out.println("took " + (System.nanoTime() - t0) / 1000 + " us: " + result);
                assertEquals(ExecutionStatus.Completed, result.status());
                assertEquals(3, result.finalContext().get("c").asInt());
            }
        }
    }

    @Test
    void a_workflow_registered_under_another_name_runs_under_that_name() {
        WorkflowRegistry registry = new WorkflowRegistry();
        registry.register("alias", Workflow.builder("own_name").task("a", ctx -> ctx.set("a", 1)).build());
        try (Runner runner = Runner.open(io.cloaca.engine.TestDatabases.privateDatabaseUrl(), RunnerConfig.DEFAULT, registry)) {
            ExecutionResult result = runner.execute("alias", Context.empty());
            assertEquals(ExecutionStatus.Completed, result.status());
            assertEquals("alias", result.workflowName());
        }
    }
}
