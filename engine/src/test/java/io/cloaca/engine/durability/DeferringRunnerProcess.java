package io.cloaca.engine.durability;

import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.workflow.TaskBody;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A runner in a process of its own whose one task defers until a file appears: for tests that kill a
 * runner while a task is deferred. Each start of the body appends the runner's name to
 * {@code <dir>/starts}; the task waits for {@code <dir>/go}. Usage:
 * {@code java ... DeferringRunnerProcess <database url> <name> <dir>}.
 */
public final class DeferringRunnerProcess {

    public static final String WORKFLOW = "deferring";

    private DeferringRunnerProcess() {
    }

    public static Workflow workflow(String runnerName, Path dir) {
        return Workflow.builder(WORKFLOW).task("wait_for_go", TaskBody.withHandle((ctx, handle) -> {
            Files.writeString(dir.resolve("starts"), runnerName + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            handle.deferUntil(() -> Files.exists(dir.resolve("go")), Duration.ofMillis(20));
            return ctx.set("finished_by", runnerName);
        })).build();
    }

    public static void main(String[] args) throws Exception {
        String name = args[1];
        WorkflowRegistry registry = new WorkflowRegistry();
        registry.register(workflow(name, Path.of(args[2])));
        RunnerConfig config = RunnerConfig.builder().maxConcurrentTasks(1).pollInterval(Duration.ofMillis(50)).build();
        Runner.open(args[0], config, registry);
        System.out.println("ready " + name);
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
