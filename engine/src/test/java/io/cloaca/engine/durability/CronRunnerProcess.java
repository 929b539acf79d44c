package io.cloaca.engine.durability;

import io.cloaca.engine.cron.CronConfig;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A runner with cron on, in a process of its own, for the exactly-once test. Its {@link #WORKFLOW}
 * records each run's scheduled instant and the process name in {@code cron_side_effects}. It re-reads
 * the schedules every second (so it sees one the test inserted) and runs until killed.
 * Usage: {@code java ... CronRunnerProcess <database url with ?schema=> <name>}.
 */
public final class CronRunnerProcess {

    public static final String WORKFLOW = "ticked";

    private CronRunnerProcess() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String name = args[1];
        String schema = url.substring(url.indexOf("schema=") + "schema=".length());
        Runner[] holder = new Runner[1];
        WorkflowRegistry registry = new WorkflowRegistry();
        registry.register(Workflow.builder(WORKFLOW).task("record", ctx -> {
            try (Connection c = holder[0].database().dataSource().getConnection();
                 PreparedStatement ps = c.prepareStatement("INSERT INTO \"" + schema
                         + "\".cron_side_effects (scheduled_time, runner) VALUES (?, ?)")) {
                ps.setString(1, ctx.get("scheduled_time").asText());
                ps.setString(2, name);
                ps.executeUpdate();
            }
            return ctx;
        }).build());
        RunnerConfig config = RunnerConfig.builder()
                .cron(new CronConfig(true, Duration.ofSeconds(1), CronConfig.DEFAULT_MAX_CATCHUP,
                        CronConfig.DEFAULT_LOST_THRESHOLD))
                .build();
        holder[0] = Runner.open(url, config, registry);
        System.out.println("ready " + name);
        System.out.flush();
        new CountDownLatch(1).await();
    }

}
