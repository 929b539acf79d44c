package io.cloaca.bench;

import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.execution.RunnerFactory;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Many tenants in one JVM: opens {@code tenants} schema runners on one PostgreSQL database (each
 * schema created and migrated), runs a one-task workflow in each, and reports provisioning time per
 * tenant, server connections, JVM threads and heap. Baseline in the same run: creating the same
 * schema and tables with plain JDBC statements, no engine and no Flyway.
 *
 * <p>Runs in a database of its own, created and dropped by the benchmark.
 */
public final class TenantScaleBench {

    /** What one run measured. */
    public record Result(int tenants, Stats provisionMs, Stats executeMs, Stats baselineMs, long serverConnections,
                         int poolSize, int jvmThreads, int threadsBefore, long heapUsedMb) {
    }

    private final String serverUrl;
    private final int tenants;
    private final PrintStream log;

    public TenantScaleBench(String serverUrl, int tenants, PrintStream log) {
        this.serverUrl = serverUrl;
        this.tenants = tenants;
        this.log = log;
    }

    public Result run() throws SQLException {
        DatabaseUrl.Postgres server = (DatabaseUrl.Postgres) DatabaseUrl.parse(serverUrl);
        String database = "cloaca_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        admin(server, "CREATE DATABASE " + database);
        try {
            DatabaseUrl.Postgres target = new DatabaseUrl.Postgres(server.host(), server.port(), database,
                    server.user(), server.password(), null, server.jdbcParameters());
            Stats baseline = baseline(target);
            return engine(target, baseline);
        } finally {
            admin(server, "DROP DATABASE " + database + " WITH (FORCE)");
        }
    }

    private Result engine(DatabaseUrl.Postgres target, Stats baseline) throws SQLException {
        WorkflowRegistry registry = new WorkflowRegistry();
        registry.register(Workflow.builder("one").task("only", ctx -> ctx.set("done", true)).build());
        RunnerConfig config = RunnerConfig.DEFAULT;
        System.gc();
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
        double[] provision = new double[tenants];
        double[] execute = new double[tenants];
        List<Runner> runners = new ArrayList<>();
        try (RunnerFactory factory = new RunnerFactory(registry)) {
            String url = target.toUrlString();
            for (int i = 0; i < tenants; i++) {
                long t0 = System.nanoTime();
                Runner runner = factory.openSchema(url, "tenant_" + i, config);
                long t1 = System.nanoTime();
                runner.execute("one", Context.empty());
                long t2 = System.nanoTime();
                provision[i] = (t1 - t0) / 1e6;
                execute[i] = (t2 - t1) / 1e6;
                runners.add(runner);
                if ((i + 1) % 100 == 0) {
                    log.printf("  %d tenants provisioned%n", i + 1);
                }
            }
            long connections = count(target, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    + " AND application_name = 'cloaca'");
            int threads = ManagementFactory.getThreadMXBean().getThreadCount();
            System.gc();
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024 * 1024);
            return new Result(tenants, Stats.of(provision), Stats.of(execute), baseline, connections,
                    config.dbPoolSize(), threads, threadsBefore, heap);
        }
    }

    /** The same schema and tables created with plain statements on one connection. */
    private Stats baseline(DatabaseUrl.Postgres target) throws SQLException {
        double[] ms = new double[tenants];
        try (Connection c = DriverManager.getConnection(target.jdbcUrl(), target.user(), target.password());
             Statement st = c.createStatement()) {
            for (int i = 0; i < tenants; i++) {
                String s = "\"baseline_" + i + "\"";
                long t0 = System.nanoTime();
                st.execute("CREATE SCHEMA " + s);
                st.execute("CREATE TABLE " + s + ".workflow_executions (id VARCHAR(36) PRIMARY KEY, workflow_name TEXT NOT NULL,"
                        + " workflow_version TEXT NOT NULL, status TEXT NOT NULL, initial_context TEXT NOT NULL,"
                        + " final_context TEXT, error_message TEXT, started_at BIGINT NOT NULL, completed_at BIGINT,"
                        + " updated_at BIGINT NOT NULL)");
                st.execute("CREATE TABLE " + s + ".task_executions (id VARCHAR(36) PRIMARY KEY, execution_id VARCHAR(36)"
                        + " NOT NULL REFERENCES " + s + ".workflow_executions (id) ON DELETE CASCADE, task_name TEXT NOT NULL,"
                        + " status TEXT NOT NULL, attempt INTEGER NOT NULL DEFAULT 1, max_attempts INTEGER NOT NULL,"
                        + " output_context TEXT, last_error TEXT, error_details TEXT, retry_at BIGINT, claimed_by TEXT,"
                        + " lease_expires_at BIGINT, recovery_attempts INTEGER NOT NULL DEFAULT 0, started_at BIGINT,"
                        + " completed_at BIGINT, updated_at BIGINT NOT NULL, UNIQUE (execution_id, task_name))");
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        return Stats.of(ms);
    }

    private static long count(DatabaseUrl.Postgres target, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(target.jdbcUrl(), target.user(), target.password());
             PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void admin(DatabaseUrl.Postgres server, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(server.jdbcUrl(), server.user(), server.password());
             Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** p50, p99 and mean of a sample, in milliseconds. */
    public record Stats(double p50, double p99, double mean) {
        static Stats of(double[] values) {
            double[] sorted = values.clone();
            java.util.Arrays.sort(sorted);
            double sum = 0;
            for (double v : sorted) {
                sum += v;
            }
            return new Stats(sorted[(int) Math.floor((sorted.length - 1) * 0.5)],
                    sorted[(int) Math.floor((sorted.length - 1) * 0.99)], sum / sorted.length);
        }
    }

    /** The result as a table, each engine figure beside its baseline and DESIGN.md's target. */
    public static String format(Result r, boolean markdown) {
        String[][] rows = {
                {"tenant runners opened, one workflow run in each", String.valueOf(r.tenants()), "", "1,000"},
                {"provisioning per tenant (with_schema: create + migrate), p50 / p99 / mean ms",
                        ms(r.provisionMs()), "plain CREATE SCHEMA + 2 tables: " + ms(r.baselineMs()), "<= 100 ms"},
                {"one-task workflow in a fresh tenant, p50 / p99 / mean ms", ms(r.executeMs()), "", ""},
                {"server connections used (pg_stat_activity)", String.valueOf(r.serverConnections()),
                        "pool size " + r.poolSize(), "<= pool size"},
                {"JVM threads (before -> after)", r.threadsBefore() + " -> " + r.jvmThreads(), "", "bounded"},
                {"heap used after GC", r.heapUsedMb() + " MB", "", ""}};
        StringBuilder out = new StringBuilder();
        if (markdown) {
            out.append("| figure | engine | baseline | target |\n|---|---|---|---|\n");
            for (String[] row : rows) {
                out.append("| ").append(String.join(" | ", row)).append(" |\n");
            }
        } else {
            for (String[] row : rows) {
                out.append(String.format("%-80s %-28s %-40s %s%n", (Object[]) row));
            }
        }
        return out.toString();
    }

    private static String ms(Stats s) {
        return String.format("%.1f / %.1f / %.1f", s.p50(), s.p99(), s.mean());
    }
}
