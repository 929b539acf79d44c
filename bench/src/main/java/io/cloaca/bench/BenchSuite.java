package io.cloaca.bench;

import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.workflow.WorkflowRegistry;
import io.cloaca.python.PythonRuntime;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs every measurement, setup by setup (SQLite FULL, SQLite NORMAL, then PostgreSQL if asked), each
 * figure beside a baseline measured in the same run, and returns the report. Progress goes to
 * {@code progress}; the report is the caller's to print.
 */
public final class BenchSuite {

    // Commits the engine makes per execution, read from its code (ExecutionStore), to size the latency
    // baselines ("the raw database doing the same number of commits").
    /** Create (which also claims the root when a worker is free) and finish. */
    static final int COMMITS_ONE_TASK = 2;
    /** Create (claiming the root), then one finish per task (which claims the successor). */
    static final int COMMITS_CHAIN = 1 + BenchOptions.CHAIN_LENGTH;

    private final BenchOptions options;
    private final Scale scale;
    private final PrintStream progress;
    private final long started = System.nanoTime();

    public BenchSuite(BenchOptions options, PrintStream progress) {
        this.options = options;
        this.scale = options.scale();
        this.progress = progress;
    }

    public BenchReport run() throws Exception {
        BenchReport report = new BenchReport();
        MachineFacts.collect(report);
        String loadBefore = MachineFacts.loadAverage();
        // PostgreSQL is reached first, so that a wrong URL or a stopped server fails the run at once rather
        // than after the minutes of the other figures.
        try (PostgresBackend pg = options.postgresUrl() == null ? null : new PostgresBackend(options.postgresUrl())) {
            pythonCpu(report);
            JavaWorkflows java = new JavaWorkflows();
            step("starting GraalPy");
            try (PythonWorkflows python = new PythonWorkflows(progress, progress)) {
                report.fact("GraalPy", python.version());
                try (SqliteBackend sqlite = new SqliteBackend()) {
                    report.fact("SQLite", sqlite.version() + ", WAL, busy_timeout, foreign_keys=on, temp files on "
                            + sqlite.fileSystem());
                    measure(sqlite, java, python, report);
                    step("SQLite done, deleting its files");
                }
                if (pg != null) {
                    report.fact("PostgreSQL", pg.version() + ", fresh schemas " + pg.schema() + " and " + pg.schema()
                            + "_raw (dropped after)");
                    measure(pg, java, python, report);
                    step("PostgreSQL done, dropping its schemas");
                }
            }
        }
        report.fact("Scale", scale.name().toLowerCase() + ": throughput = median of " + scale.rounds()
                + " rounds (range in brackets) of raw " + scale.rawTasks() + " tasks / engine "
                + scale.throughputTasks() + " tasks per shape, after " + scale.warmupTasks() + " warm-up; latency "
                + scale.latencyChains() + " chains / " + scale.latencySingles() + " 1-task runs after "
                + scale.latencyWarmup() + " warm-up; max_concurrent_tasks=" + BenchOptions.WORKERS);
        step("done");
        report.fact("Load average", loadBefore + " at start, " + MachineFacts.loadAverage()
                + " at end (1/5/15 min; other processes on the machine share the cores)");
        notes(report);
        return report;
    }

    /** Only the CPU-bound Python figures ({@code cloaca bench --python-cpu}): no database. */
    public BenchReport runPythonCpu() throws Exception {
        BenchReport report = new BenchReport();
        MachineFacts.collect(report);
        String loadBefore = MachineFacts.loadAverage();
        pythonCpu(report);
        step("done");
        report.fact("Load average", loadBefore + " at start, " + MachineFacts.loadAverage()
                + " at end (1/5/15 min; other processes on the machine share the cores)");
        return report;
    }

    private void pythonCpu(BenchReport report) throws Exception {
        String jit = PythonRuntime.jitUnavailableReason();
        report.fact("Python JIT", jit == null ? "optimizing Truffle runtime (" + PythonRuntime.truffleRuntimeName() + ")"
                : "unavailable: " + jit);
        new PythonCpuBench(scale, progress, this::step).run(report);
        step("a long list through a context, GraalPy interpreted");
        new LongContextBench(scale, progress).run(report);
    }

    private void measure(Backend backend, JavaWorkflows java, PythonWorkflows python, BenchReport report)
            throws Exception {
        for (Setup setup : backend.setups()) {
            String s = setup.label();
            step(s + ": raw JDBC baselines");
            RawEngineRows rows = new RawEngineRows(backend, setup); // first: its migrations want an empty schema
            RawCommitBaseline raw = new RawCommitBaseline(backend, setup);
            Rounds rawThroughput = rawRounds(raw::throughput);
            Rounds rowsThroughput = rawRounds(rows::throughput);
            RawCommitBaseline.SingleWriter single = raw.singleWriter(scale.rawLatencyTasks());
            Latencies commit = single.commits();
            double rawTasks = rawThroughput.median();
            row(report, setup, Figure.RAW_THROUGHPUT, rawTasks, rawThroughput.describe() + ", "
                    + Format.rate(rawThroughput.medianCommitsPerSecond(), "commits"), "-", "-");
            row(report, setup, Figure.RAW_COMMIT_LATENCY, commit.p50(), Format.p50p99(commit) + " ("
                    + Format.rate(single.throughput().tasksPerSecond(), "tasks") + ")", "-", "-");
            double rawCpu = rawThroughput.medianCpuMicrosPerTask();
            double rowsTasks = rowsThroughput.median();
            double rowsCpu = rowsThroughput.medianCpuMicrosPerTask();
            row(report, setup, Figure.RAW_ENGINE_ROWS, rowsTasks, rowsThroughput.describe() + ", "
                    + Format.micros(rowsCpu) + " CPU/task", "raw " + Format.rate(rawTasks, "tasks") + ", "
                    + Format.micros(rawCpu) + " CPU/task", Format.percent(rowsTasks, rawTasks) + " (CPU "
                    + Format.times(rowsCpu, rawCpu) + ")");

            PairedRounds javaOnePaired;
            Rounds javaOneClient;
            PairedRounds javaChainPaired;
            Latencies dispatch;
            Latencies chainLatency;
            Latencies oneLatency;
            Latencies rowsLatency;
            LatencyRun.Interleaved alternated;
            try (Runner runner = open(backend, setup, java.registry())) {
                step(s + ": Java throughput");
                javaOnePaired = pairedThroughput(runner, JavaWorkflows.ONE, 1, raw::throughput);
                javaOneClient = rounds(runner, JavaWorkflows.ONE, 1, 1); // warmed up by the figure before
                javaChainPaired = pairedThroughput(runner, JavaWorkflows.CHAIN, BenchOptions.CHAIN_LENGTH,
                        raw::throughput);
                step(s + ": Java latency");
                chainLatency = LatencyRun.measure(runner, JavaWorkflows.PROBED_CHAIN, scale.latencyWarmup(),
                        scale.latencyChains(), java.probe().latencies()::clear);
                dispatch = java.probe().latencies().copy();
                oneLatency = LatencyRun.measure(runner, JavaWorkflows.ONE, scale.latencyWarmup(),
                        scale.latencySingles(), () -> { });
                // Right after the engine's, the runner idle: the machine's drift over minutes moves both alike.
                rowsLatency = rows.singleWriter(scale.latencyWarmup(), scale.latencySingles());
                // And the two together, one raw claim + complete after each execution: the commits measured up
                // front ran minutes before, and the machine's speed drifts over minutes (as the throughput's
                // round pairs found).
                step(s + ": Java latency alternating with raw commits");
                try (RawCommitBaseline.LoneWriter lone = raw.loneWriter(scale.latencyWarmup() + scale.latencySingles())) {
                    alternated = LatencyRun.interleaved(runner, JavaWorkflows.ONE, scale.latencyWarmup(),
                            scale.latencySingles(), lone);
                }
            }
            Rounds javaOne = javaOnePaired.engine();
            Rounds javaChain = javaChainPaired.engine();
            row(report, setup, Figure.JAVA_ONE_THROUGHPUT, javaOne.median(),
                    javaOne.describe(), "raw " + Format.rate(rawTasks, "tasks"),
                    Format.percent(javaOne.median(), rawTasks));
            row(report, setup, Figure.JAVA_ONE_THROUGHPUT_ONE_CLIENT, javaOneClient.median(),
                    javaOneClient.describe(), "raw " + Format.rate(rawTasks, "tasks"),
                    Format.percent(javaOneClient.median(), rawTasks));
            double oneCpu = javaOne.medianCpuMicrosPerTask();
            row(report, setup, Figure.JAVA_ONE_VS_ENGINE_ROWS, javaOne.median(),
                    Format.rate(javaOne.median(), "tasks") + ", " + Format.micros(oneCpu) + " CPU/task",
                    "same rows " + Format.rate(rowsTasks, "tasks") + ", " + Format.micros(rowsCpu) + " CPU/task",
                    Format.percent(javaOne.median(), rowsTasks) + " (CPU " + Format.times(oneCpu, rowsCpu) + ")");
            row(report, setup, Figure.JAVA_CHAIN_THROUGHPUT, javaChain.median(),
                    javaChain.describe(), "raw " + Format.rate(rawTasks, "tasks"),
                    Format.percent(javaChain.median(), rawTasks));

            row(report, setup, Figure.JAVA_VS_RAW_BETWEEN, javaChainPaired.medianRatio(),
                    Format.rate(javaOne.median(), "tasks") + " / " + Format.rate(javaChain.median(), "tasks"),
                    "raw rounds between them " + Format.rate(javaOnePaired.raw().median(), "tasks") + " / "
                            + Format.rate(javaChainPaired.raw().median(), "tasks"),
                    javaOnePaired.describeRatio() + " / " + javaChainPaired.describeRatio());
            double chainCpu = javaChain.medianCpuMicrosPerTask();
            row(report, setup, Figure.MACHINE_CPU_PER_TASK, oneCpu, Format.micros(oneCpu) + " / "
                    + Format.micros(chainCpu), "raw " + Format.micros(rawCpu), Format.times(oneCpu, rawCpu) + " / "
                    + Format.times(chainCpu, rawCpu));

            Rounds pyOne;
            Rounds pyChain;
            Latencies pyOneLatency;
            step(s + ": Python, opening a runner");
            try (Runner runner = open(backend, setup, python.registry())) {
                step(s + ": Python throughput");
                pyOne = throughput(runner, PythonWorkflows.ONE, 1);
                pyChain = throughput(runner, PythonWorkflows.CHAIN, BenchOptions.CHAIN_LENGTH);
                step(s + ": Python latency");
                pyOneLatency = LatencyRun.measure(runner, PythonWorkflows.ONE, scale.latencyWarmup(),
                        scale.latencySingles(), () -> { });
            }
            row(report, setup, Figure.PYTHON_ONE_THROUGHPUT, pyOne.median(),
                    pyOne.describe(), "Java " + Format.rate(javaOne.median(), "tasks"),
                    Format.percent(pyOne.median(), javaOne.median()));
            row(report, setup, Figure.PYTHON_CHAIN_THROUGHPUT, pyChain.median(),
                    pyChain.describe(),
                    "Java " + Format.rate(javaChain.median(), "tasks"),
                    Format.percent(pyChain.median(), javaChain.median()));
            row(report, setup, Figure.DISPATCH_LATENCY, dispatch.p50(), Format.p50p99(dispatch),
                    "raw commit " + Format.p50p99(commit), Format.times(dispatch.p50(), commit.p50()) + " (p50)");
            double chainCommits = COMMITS_CHAIN * commit.p50();
            row(report, setup, Figure.CHAIN_END_TO_END, chainLatency.p50(), Format.p50p99(chainLatency),
                    COMMITS_CHAIN + " raw commits " + Format.ms(chainCommits) + " ms",
                    Format.times(chainLatency.p50(), chainCommits) + " (p50)");
            double oneCommits = COMMITS_ONE_TASK * commit.p50();
            row(report, setup, Figure.ONE_TASK_END_TO_END, oneLatency.p50(), Format.p50p99(oneLatency),
                    COMMITS_ONE_TASK + " raw commits " + Format.ms(oneCommits) + " ms",
                    Format.times(oneLatency.p50(), oneCommits) + " (p50)");
            row(report, setup, Figure.RAW_ENGINE_ROWS_LATENCY, rowsLatency.p50(), Format.p50p99(rowsLatency),
                    COMMITS_ONE_TASK + " raw commits " + Format.ms(oneCommits) + " ms",
                    Format.times(rowsLatency.p50(), oneCommits) + " (p50)");
            row(report, setup, Figure.ONE_TASK_VS_ENGINE_ROWS, oneLatency.p50(), Format.ms(oneLatency.p50()) + " ms",
                    "raw JDBC writing the same rows " + Format.ms(rowsLatency.p50()) + " ms",
                    Format.times(oneLatency.p50(), rowsLatency.p50()) + " (p50)");
            Latencies oneBetween = alternated.engine();
            Latencies commitsBetween = alternated.baseline();
            row(report, setup, Figure.ONE_TASK_VS_COMMITS_BETWEEN, oneBetween.p50(), Format.p50p99(oneBetween),
                    COMMITS_ONE_TASK + " raw commits " + Format.p50p99(commitsBetween),
                    Format.timesToHundredths(oneBetween.p50(), commitsBetween.p50()) + " (p50)");
            row(report, setup, Figure.PYTHON_ONE_TASK_END_TO_END, pyOneLatency.p50(), Format.p50p99(pyOneLatency),
                    "Java " + Format.p50p99(oneLatency), Format.times(pyOneLatency.p50(), oneLatency.p50()) + " (p50)");
        }
    }

    /** A raw baseline's round: {@code tasks} tasks on {@code threads} workers. */
    @FunctionalInterface
    private interface RawRound {
        Throughput run(int tasks, int threads) throws Exception;
    }

    /** A raw baseline's warm-up, then its rounds, on {@link BenchOptions#WORKERS} workers. */
    private Rounds rawRounds(RawRound round) throws Exception {
        round.run(scale.warmupTasks(), BenchOptions.WORKERS);
        List<Throughput> rounds = new ArrayList<>();
        for (int i = 0; i < scale.rounds(); i++) {
            rounds.add(round.run(scale.rawTasks(), BenchOptions.WORKERS));
        }
        return new Rounds(rounds);
    }

    private Runner open(Backend backend, Setup setup, WorkflowRegistry registry) {
        RunnerConfig config = RunnerConfig.builder()
                .maxConcurrentTasks(BenchOptions.WORKERS)
                .sqliteDurable(setup.sqliteDurable())
                .executionTimeout(Duration.ofMinutes(30))
                .build();
        return Runner.open(backend.engineUrl(setup), config, registry);
    }

    /**
     * Warm-up, then the rounds, with {@link BenchOptions#CLIENTS} submitting threads, each round right after a
     * round of {@code raw} (warmed up before).
     */
    private PairedRounds pairedThroughput(Runner runner, String workflow, int tasksPerWorkflow, RawRound raw)
            throws Exception {
        ThroughputRun.measure(runner, workflow, tasksPerWorkflow, scale.warmupTasks(), BenchOptions.CLIENTS);
        PairedRounds.Builder pairs = new PairedRounds.Builder();
        for (int i = 0; i < scale.rounds(); i++) {
            Throughput rawRound = raw.run(scale.rawTasks(), BenchOptions.WORKERS);
            pairs.add(rawRound, ThroughputRun.measure(runner, workflow, tasksPerWorkflow, scale.throughputTasks(),
                    BenchOptions.CLIENTS));
        }
        return pairs.build();
    }

    /** Warm-up, then the rounds, with {@link BenchOptions#CLIENTS} submitting threads. */
    private Rounds throughput(Runner runner, String workflow, int tasksPerWorkflow) throws Exception {
        ThroughputRun.measure(runner, workflow, tasksPerWorkflow, scale.warmupTasks(), BenchOptions.CLIENTS);
        return rounds(runner, workflow, tasksPerWorkflow, BenchOptions.CLIENTS);
    }

    private Rounds rounds(Runner runner, String workflow, int tasksPerWorkflow, int clients) throws Exception {
        List<Throughput> rounds = new ArrayList<>();
        for (int i = 0; i < scale.rounds(); i++) {
            rounds.add(ThroughputRun.measure(runner, workflow, tasksPerWorkflow, scale.throughputTasks(), clients));
        }
        return new Rounds(rounds);
    }

    private static void row(BenchReport report, Setup setup, Figure figure, double value, String measured,
                            String baseline, String versus) {
        report.add(new Row(setup.label(), figure, value, measured, baseline, versus, figure.target(setup)));
    }

    private void notes(BenchReport report) {
        report.note("Raw baseline: plain JDBC, one connection per worker, the engine's pragmas; per task a claim "
                + "UPDATE and a complete UPDATE, each committed. On SQLite the 4 workers take turns through one "
                + "fair in-JVM lock (as the engine's writers do); on PostgreSQL they write concurrently. The single "
                + "writer row is one connection alone, each claim or complete timed from first statement to commit, "
                + "with its own tasks/s in brackets.");
        report.note("Same rows: plain JDBC writing what a 1-task workflow leaves in the engine's own tables (its "
                + "migrations: keys, indexes, foreign key, CHECKs), with the engine's two commits: the execution and "
                + "its task row (already claimed) inserted and committed, then the task's outcome and the execution's "
                + "end, committed; no reads, locks or decisions. Workers as in the raw baseline. Where the cores bound "
                + "the raw baseline, this is about the ceiling of any engine keeping these rows, and the Java 1-task "
                + "figure against it is the engine's own cost.");
        report.note("Machine CPU per task: the whole machine's busy CPU time during each throughput round (Linux's "
                + "/proc/stat: user, system and interrupt time of every process, the database server's included; not "
                + "idle, I/O wait or time stolen by other guests) divided by its tasks, median over the rounds. Where "
                + "the cores bound the raw baseline, the throughput ratio follows this one; where its commits' "
                + "flushes do, it does not.");
        report.note("Throughput: " + BenchOptions.CLIENTS + " client threads submit the executions (each submit is a "
                + "commit), as many as the raw baseline's writers, then all results are awaited; the clock runs from "
                + "the first submit to the last result. The \"1 submitting thread\" row submits from one thread, whose "
                + "commits then follow one another: it measures that thread's commit latency more than the engine. "
                + BenchOptions.WORKERS + " workers (max_concurrent_tasks). Trivial bodies return their input.");
        report.note("Round pairs: each throughput round of Java 1-task workflows and 10-task chains runs right after "
                + "a round of the raw baseline (the runner idle meanwhile), and the ratio is the median of the pairs' "
                + "ratios. On a shared machine the cores' and the disk's speed drift over minutes; a drift moves both "
                + "rounds of a pair alike, where it moves the ratio to the raw rounds measured once, before every engine "
                + "round. The rows above keep that ratio, comparable with earlier runs.");
        report.note("Dispatch latency: each task body stores System.nanoTime() in its output just before "
                + "returning; the next body subtracts it from its own start. It includes serialising the output, "
                + "the commit recording it (which also claims the successor) and reading the successor's input.");
        report.note("Latencies: executions one after another on an idle runner; execute() call to return. "
                + "Baselines: the engine's commits per execution (" + COMMITS_ONE_TASK + " for a 1-task workflow, "
                + COMMITS_CHAIN + " for a chain: create with the root claimed, then one per task) times the raw single-writer commit p50. "
                + "The same rows written by one writer alone, right after the engine's 1-task latency, each workflow "
                + "timed from its first statement to its second commit, each transaction (statements and COMMIT) in "
                + "one round trip on PostgreSQL as the engine sends it: the least a lone 1-task execution costs the "
                + "database, against which the engine's "
                + "execute-to-result is its own time (JSON, thread hand-offs; on SQLite, and on PostgreSQL when other "
                + "finishes commit with it, also the read of its tasks' statuses). Then 1-task executions again, each followed on the same thread by one raw "
                + "claim + complete (two commits, timed together): the execute against those is its latency ratio "
                + "free of the drift since the commits measured up front.");
        report.note("Python: the same shapes, tasks declared with @cloaca.task in Python run by GraalPy in one "
                + "context (one GIL); the context goes in as a pickle the JVM writes and comes back as JSON text.");
    }

    private void step(String what) {
        progress.printf("cloaca bench: [%5.1f s] %s...%n", (System.nanoTime() - started) / 1e9, what);
        progress.flush();
    }
}
