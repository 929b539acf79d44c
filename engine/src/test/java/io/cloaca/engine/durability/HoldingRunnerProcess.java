package io.cloaca.engine.durability;

import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.workflow.TaskBody;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;

import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A runner in a process of its own that starts one execution of {@link #workflow} and holds its first
 * task's claim for ever (the body never returns), until the test kills the process. It prints
 * {@code ready <name>} once that body runs. Usage: {@code java ... HoldingRunnerProcess <database url> <name>}.
 */
public final class HoldingRunnerProcess {

    public static final String WORKFLOW = "handover";

    private HoldingRunnerProcess() {
    }

    /** {@code held}, then {@code after}; the bodies are the caller's (the version depends on the shape only). */
    public static Workflow workflow(TaskBody held, TaskBody after) {
        return Workflow.builder(WORKFLOW).task("held", held).task("after", List.of("held"), after).build();
    }

    public static void main(String[] args) throws Exception {
        String name = args[1];
        CountDownLatch never = new CountDownLatch(1);
        WorkflowRegistry registry = new WorkflowRegistry();
        registry.register(workflow(ctx -> {
            System.out.println("ready " + name);
            System.out.flush();
            never.await();
            return ctx;
        }, ctx -> ctx));
        Runner runner = Runner.open(args[0], RunnerConfig.DEFAULT, registry);
        runner.submit(WORKFLOW, Context.empty());
        never.await();
    }
}
