package io.cloaca.engine.durability;

import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

/**
 * A runner in a process of its own, for tests with several processes on one database. It runs the
 * {@link #WORKFLOW} workflow, whose tasks record each execution of their body in a side-effects table,
 * until it is killed. Usage: {@code java ... CountingRunnerProcess <database url with ?schema=> <name>}.
 */
public final class CountingRunnerProcess {

    public static final String WORKFLOW = "counted";

    private CountingRunnerProcess() {
    }

    /** Two chained tasks; each body inserts (n, task, runner name) into {@code side_effects}. */
    public static Workflow workflow(String schema, String runnerName, Supplier<Connection> connections) {
        return Workflow.builder(WORKFLOW)
                .task("first", ctx -> record(schema, runnerName, connections, ctx, "first"))
                .task("second", java.util.List.of("first"), ctx -> record(schema, runnerName, connections, ctx, "second"))
                .build();
    }

    private static Context record(String schema, String runnerName, Supplier<Connection> connections, Context ctx,
                                  String task) throws SQLException {
        try (Connection c = connections.get(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO \"" + schema + "\".side_effects (n, task, runner) VALUES (?, ?, ?)")) {
            ps.setInt(1, ctx.get("n").asInt());
            ps.setString(2, task);
            ps.setString(3, runnerName);
            ps.executeUpdate();
        }
        return ctx.set(task + "_by", runnerName);
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String name = args[1];
        String schema = url.substring(url.indexOf("schema=") + "schema=".length());
        WorkflowRegistry registry = new WorkflowRegistry();
        Runner[] holder = new Runner[1];
        registry.register(workflow(schema, name, () -> {
            try {
                return holder[0].database().dataSource().getConnection();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }));
        RunnerConfig config = RunnerConfig.builder().maxConcurrentTasks(4).pollInterval(Duration.ofMillis(50)).build();
        holder[0] = Runner.open(url, config, registry);
        System.out.println("ready " + name);
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
