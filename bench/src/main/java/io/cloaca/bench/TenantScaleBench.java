package io.cloaca.bench;

import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.execution.RunnerFactory;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.Dialect;
import io.cloaca.engine.store.MigrationScripts;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Many tenants in one JVM: opens {@code tenants} schema runners on one PostgreSQL database (each
 * schema created and migrated), runs a one-task workflow in each, and reports provisioning time per
 * tenant, server connections, JVM threads and heap. Baseline in the same run: the same schema made by
 * running the engine's own migration scripts as plain statements on one connection (no engine, no
 * Flyway). Baseline and engine take turns, one tenant each, so that a change in the machine's load
 * weighs on both alike.
 *
 * <p>Runs in a database of its own, created and dropped by the benchmark.
 */
public final class TenantScaleBench {

    /** What one run measured. */
    public record Result(int tenants, Stats provisionMs, Stats executeMs, Stats baselineMs, int baselineSamples,
                         long serverConnections, long peakConnections, int poolSize, int jvmThreads, int threadsBefore,
                         long heapBeforeBytes, long heapAfterBytes, Idle idle) {

        /** Heap that each open idle runner adds, in bytes. */
        public long heapPerRunnerBytes() {
            return (heapAfterBytes - heapBeforeBytes) / Math.max(1, tenants);
        }
    }

    /** How often (in tenants) the server's connections are counted while tenants are opened. */
    private static final int SAMPLE_EVERY = 100;
    /** How often (in tenants) partial heap, thread and connection figures are logged. */
    private static final int REPORT_EVERY = 1000;
    /** Tenant counts at which opening pauses to measure the idle database too (logged), before the end's figure. */
    private static final java.util.Set<Integer> IDLE_CHECKPOINTS = java.util.Set.of(1000, 5000);
    /**
     * Above this many tenants the plain-DDL baseline runs for every {@code tenants / BASELINE_SAMPLES}-th
     * tenant only (still in turn with the engine's): it would otherwise double a 10,000-tenant run.
     */
    private static final int BASELINE_SAMPLES = 1000;
    /** How long the idle database is watched once every tenant is open: longer than the 30 s sweep interval. */
    private static final java.time.Duration IDLE_WINDOW = java.time.Duration.ofSeconds(40);
    /** Idle settling time before the window: the runners' polls back off from their last workflow. */
    private static final java.time.Duration IDLE_SETTLE = java.time.Duration.ofSeconds(5);

    /**
     * The database's transactions per second (pg_stat_database: commits and rollbacks, which the
     * engine's reads are too) while all tenants sit idle, over {@code seconds}; the benchmark's own
     * connection adds its two reads.
     */
    public record Idle(double transactionsPerSecond, double seconds) {
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
            return measure(target);
        } finally {
            admin(server, "DROP DATABASE " + database + " WITH (FORCE)");
        }
    }

    private Result measure(DatabaseUrl.Postgres target) throws SQLException {
        WorkflowRegistry registry = new WorkflowRegistry();
        registry.register(Workflow.builder("one").task("only", ctx -> ctx.set("done", true)).build());
        RunnerConfig config = RunnerConfig.DEFAULT;
        List<String> scripts = MigrationScripts.of(Dialect.POSTGRESQL).versioned().stream()
                .map(MigrationScripts.Versioned::sql).toList();
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
        long heapBefore = heapAfterGc();
        int baselineEvery = Math.max(1, tenants / BASELINE_SAMPLES);
        double[] baseline = new double[(tenants + baselineEvery - 1) / baselineEvery];
        double[] provision = new double[tenants];
        double[] execute = new double[tenants];
        long peak = 0;
        List<Runner> runners = new ArrayList<>(tenants);
        try (Connection plain = connect(target); Statement st = plain.createStatement();
             RunnerFactory factory = new RunnerFactory(registry)) {
            String url = target.toUrlString();
            for (int i = 0; i < tenants; i++) {
                if (i % baselineEvery == 0) {
                    baseline[i / baselineEvery] = plainSchema(st, "baseline_" + i, scripts);
                }
                long t0 = System.nanoTime();
                Runner runner = factory.openSchema(url, "tenant_" + i, config);
                long t1 = System.nanoTime();
                runner.execute("one", Context.empty());
                long t2 = System.nanoTime();
                provision[i] = (t1 - t0) / 1e6;
                execute[i] = (t2 - t1) / 1e6;
                runners.add(runner);
                if ((i + 1) % SAMPLE_EVERY == 0) {
                    peak = Math.max(peak, engineConnections(st));
                    log.printf("  %d tenants provisioned%n", i + 1);
                }
                if ((i + 1) % REPORT_EVERY == 0) {
                    // Partial figures, so that a run stopped early still says how it grew.
                    log.printf("  %d tenants: %d connections, %d threads, heap after GC %s, provisioning mean %.1f ms%n",
                            i + 1, engineConnections(st), ManagementFactory.getThreadMXBean().getThreadCount(),
                            mb(heapAfterGc()), mean(provision, i + 1));
                }
                if (i + 1 < tenants && IDLE_CHECKPOINTS.contains(i + 1)) {
                    Idle idle = idleTransactions(st);
                    log.printf("  %d tenants idle: %.0f transactions/s (%.3f per tenant, %.0f s)%n", i + 1,
                            idle.transactionsPerSecond(), idle.transactionsPerSecond() / (i + 1), idle.seconds());
                }
            }
            long connections = engineConnections(st);
            int threads = ManagementFactory.getThreadMXBean().getThreadCount();
            long heapAfter = heapAfterGc();
            log.printf("  all %d tenants open; watching the idle database for %d s%n", tenants,
                    IDLE_SETTLE.plus(IDLE_WINDOW).toSeconds());
            Idle idle = idleTransactions(st);
            peak = Math.max(peak, engineConnections(st));
            return new Result(tenants, Stats.of(provision), Stats.of(execute), Stats.of(baseline), baseline.length,
                    connections, Math.max(peak, connections), config.dbPoolSize(), threads, threadsBefore, heapBefore,
                    heapAfter, idle);
        }
    }

    /** One baseline tenant: its schema, then each migration script as it is, on {@code st}; in ms. */
    private static double plainSchema(Statement st, String schema, List<String> scripts) throws SQLException {
        long t0 = System.nanoTime();
        st.execute("CREATE SCHEMA \"" + schema + "\"");
        st.execute("SET search_path TO \"" + schema + "\"");
        for (String script : scripts) {
            st.execute(script);
        }
        st.execute("RESET search_path");
        return (System.nanoTime() - t0) / 1e6;
    }

    /**
     * Transactions per second on the benchmark's database while nothing is submitted. Statistics reach
     * pg_stat_database when a backend goes idle (at most once a second, or after 10 s for a backend that
     * stays idle), so the window is long and starts after a settling pause; the benchmark measures what
     * the runners do on their own, so waiting here is the measurement, not a test's sleep.
     */
    private static Idle idleTransactions(Statement st) throws SQLException {
        pause(IDLE_SETTLE);
        long t0 = System.nanoTime();
        long before = transactions(st);
        pause(IDLE_WINDOW);
        long after = transactions(st);
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Idle((after - before) / seconds, seconds);
    }

    private static long transactions(Statement st) throws SQLException {
        st.execute("SELECT pg_stat_clear_snapshot()");
        try (ResultSet rs = st.executeQuery("SELECT xact_commit + xact_rollback FROM pg_stat_database"
                + " WHERE datname = current_database()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void pause(java.time.Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring idle tenants", e);
        }
    }

    /** Connections the engine holds on the server now (its pools name themselves "cloaca"). */
    private static long engineConnections(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                + " AND application_name = 'cloaca'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static double mean(double[] values, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += values[i];
        }
        return sum / n;
    }

    private static long heapAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static Connection connect(DatabaseUrl.Postgres target) throws SQLException {
        return DriverManager.getConnection(target.jdbcUrl(), target.user(), target.password());
    }

    private static void admin(DatabaseUrl.Postgres server, String sql) throws SQLException {
        try (Connection c = connect(server); Statement st = c.createStatement()) {
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
                {"tenant runners opened, one workflow run in each", String.valueOf(r.tenants()), "", "10,000"},
                {"provisioning per tenant (with_schema: create + migrate), p50 / p99 / mean ms",
                        ms(r.provisionMs()), "same scripts as plain statements: " + ms(r.baselineMs())
                        + (r.baselineSamples() < r.tenants() ? " (" + r.baselineSamples() + " tenants, in turn)" : ""), ""},
                {"provisioning / baseline, p50 and mean", String.format("%.1fx / %.1fx",
                        r.provisionMs().p50() / r.baselineMs().p50(), r.provisionMs().mean() / r.baselineMs().mean()),
                        "", "<= 3x"},
                {"one-task workflow in a fresh tenant, p50 / p99 / mean ms", ms(r.executeMs()), "", ""},
                {"server connections used (pg_stat_activity): at the end / peak sampled",
                        r.serverConnections() + " / " + r.peakConnections(), "pool size " + r.poolSize(), "<= pool size"},
                {"JVM threads (before -> after)", r.threadsBefore() + " -> " + r.jvmThreads(), "", "bounded"},
                {"heap used after GC (before -> after), per idle runner", mb(r.heapBeforeBytes()) + " -> "
                        + mb(r.heapAfterBytes()) + ", " + r.heapPerRunnerBytes() / 1024 + " KB", "",
                        "<= 300 MB at 10,000"},
                {"idle database: transactions/s with every runner open and nothing submitted (pg_stat_database, "
                        + Math.round(r.idle().seconds()) + " s)", String.format("%.0f (%.3f per tenant)",
                        r.idle().transactionsPerSecond(), r.idle().transactionsPerSecond() / r.tenants()), "", ""}};
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

    private static String mb(long bytes) {
        return bytes / (1024 * 1024) + " MB";
    }

    private static String ms(Stats s) {
        return String.format("%.1f / %.1f / %.1f", s.p50(), s.p99(), s.mean());
    }
}
