package io.cloaca.bench;

import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.execution.RunnerFactory;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Many schedules in one runner: {@code schedules} schedules of a one-task Java workflow, each firing
 * every second ({@code * * * * * *}), on a SQLite file (synchronous=FULL), for {@code seconds}. Reports
 * how late each instant was claimed (its execution created) and completed, measured from the audit rows
 * and execution rows of the instants claimed after a warm-up. Baseline in the same run: the rate of plain one-task workflows submitted at once
 * to the same kind of runner, the capacity cron has to stay within.
 */
public final class CronBench {

    /** What one run measured; lateness in milliseconds after the instant. */
    public record Result(int schedules, int seconds, long instants, double firesPerSecond, Latencies claimed,
                         Latencies completed, long completedWithinOneSecond, double plainPerSecond) {
    }

    private final int schedules;
    private final int seconds;
    private final PrintStream log;

    public CronBench(int schedules, int seconds, PrintStream log) {
        this.schedules = schedules;
        this.seconds = seconds;
        this.log = log;
    }

    private static WorkflowRegistry registry() {
        WorkflowRegistry registry = new WorkflowRegistry();
        registry.register(Workflow.builder("tick").task("noop", ctx -> ctx).build());
        return registry;
    }

    public Result run() throws Exception {
        Path dir = Files.createTempDirectory("cloaca-cron-bench");
        try {
            double plain = plainRate(dir.resolve("plain.db"), Math.max(1000, schedules * 3));
            log.printf("plain one-task workflows: %.0f/s%n", plain);
            return cron(dir.resolve("cron.db"), plain);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static double plainRate(Path file, int executions) throws Exception {
        try (RunnerFactory factory = new RunnerFactory(registry())) {
            Runner runner = factory.open("sqlite://" + file, RunnerConfig.DEFAULT);
            for (int i = 0; i < 200; i++) { // warm-up
                runner.execute("tick", Context.empty());
            }
            long t0 = System.nanoTime();
            List<Runner.Submission> submissions = new ArrayList<>();
            for (int i = 0; i < executions; i++) {
                submissions.add(runner.submit("tick", Context.empty()));
            }
            for (Runner.Submission s : submissions) {
                s.result().get(5, TimeUnit.MINUTES);
            }
            return executions / ((System.nanoTime() - t0) / 1e9);
        }
    }

    /** Instants of the first seconds after start-up are not counted: the JIT and the pool warm up. */
    private static final long WARM_UP_MS = 2_000;

    private Result cron(Path file, double plain) throws Exception {
        String url = "sqlite://" + file;
        try (RunnerFactory setup = new RunnerFactory(registry())) {
            Runner registering = setup.open(url, RunnerConfig.DEFAULT);
            registering.cron().stop(); // register without firing: one runner fires them all afterwards
            for (int i = 0; i < schedules; i++) {
                registering.cron().register("tick", "* * * * * *", "UTC");
            }
            // Registering took a while: start every schedule at the same future second, none behind.
            long start = (System.currentTimeMillis() / 1000 + 2) * 1000;
            registering.database().inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("UPDATE cron_schedules SET next_run_at = ?")) {
                    ps.setLong(1, start);
                    return ps.executeUpdate();
                }
            });
        }
        try (RunnerFactory factory = new RunnerFactory(registry())) {
            Runner runner = factory.open(url, RunnerConfig.DEFAULT);
            long from = System.currentTimeMillis() + WARM_UP_MS;
            log.printf("%d schedules registered; firing for %d s after a %d s warm-up%n", schedules, seconds,
                    WARM_UP_MS / 1000);
            Thread.sleep(WARM_UP_MS + seconds * 1000L);
            runner.cron().stop();
            long until = System.currentTimeMillis();
            awaitCompletion(runner);
            Latencies claimed = new Latencies();
            Latencies completed = new Latencies();
            long[] within = new long[1];
            runner.database().read(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT a.scheduled_time, a.claimed_at, e.completed_at"
                        + " FROM cron_executions a JOIN workflow_executions e ON e.id = a.execution_id"
                        + " WHERE a.claimed_at >= ? AND a.claimed_at < ?")) {
                    ps.setLong(1, from);
                    ps.setLong(2, until);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            long instant = rs.getLong(1);
                            claimed.add((rs.getLong(2) - instant) * 1_000_000);
                            long done = rs.getLong(3) - instant;
                            completed.add(done * 1_000_000);
                            within[0] += done <= 1000 ? 1 : 0;
                        }
                    }
                }
                return null;
            });
            long instants = claimed.count();
            return new Result(schedules, seconds, instants, instants / ((until - from) / 1000.0), claimed,
                    completed, within[0], plain);
        }
    }

    private static void awaitCompletion(Runner runner) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline) {
            long open = runner.database().read(c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT count(*) FROM workflow_executions WHERE status = 'Running'");
                     ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
            if (open == 0) {
                return;
            }
            Thread.sleep(100);
        }
    }

    public static String format(Result r, boolean markdown) {
        String[][] rows = {
                {"schedules x seconds", r.schedules() + " x " + r.seconds()},
                {"instants fired", String.valueOf(r.instants())},
                {"fires per second", String.format(Locale.ROOT, "%.0f", r.firesPerSecond())},
                {"claimed after instant p50 / p99 / max", ms(r.claimed())},
                {"completed after instant p50 / p99 / max", ms(r.completed())},
                {"completed within 1 s of instant", String.format(Locale.ROOT, "%.1f%%",
                        100.0 * r.completedWithinOneSecond() / Math.max(1, r.instants()))},
                {"baseline: plain one-task workflows per second", String.format(Locale.ROOT, "%.0f", r.plainPerSecond())},
        };
        StringBuilder out = new StringBuilder();
        if (markdown) {
            out.append("| cron on SQLite (FULL) | figure |\n|---|---|\n");
            for (String[] row : rows) {
                out.append("| ").append(row[0]).append(" | ").append(row[1]).append(" |\n");
            }
        } else {
            for (String[] row : rows) {
                out.append(String.format(Locale.ROOT, "%-46s %s%n", row[0], row[1]));
            }
        }
        return out.toString();
    }

    private static String ms(Latencies l) {
        return String.format(Locale.ROOT, "%.0f / %.0f / %.0f ms", l.p50(), l.percentileMillis(0.99),
                l.percentileMillis(1.0));
    }

}
