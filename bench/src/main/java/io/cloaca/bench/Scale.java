package io.cloaca.bench;

/**
 * How much work each measurement does. {@link #FULL} is the published run; {@link #QUICK} keeps the
 * whole command under a minute; {@link #SMOKE} only proves that every figure can be produced (tests).
 *
 * @param rawTasks         tasks of the raw-JDBC claim + complete baseline (2 commits each)
 * @param rawLatencyTasks  tasks of the single-writer commit-latency baseline (2 timed commits each)
 * @param throughputTasks  tasks per throughput shape (1-task workflows, and 10-task chains)
 * @param warmupTasks      tasks run, unmeasured, before each throughput measurement: in the full run enough
 *                         for the JIT to have compiled the engine's hot path (probes of back-to-back rounds
 *                         saw throughput rise, and the JVM's CPU per task fall 3-4x, over the first ~10,000
 *                         tasks; measured after 1,000 the rounds mixed warm-up with steady state)
 * @param latencyChains    10-task chains executed one after another for dispatch and end-to-end latency
 * @param latencySingles   1-task workflows executed one after another for execute-to-result latency
 * @param latencyWarmup    executions run, unmeasured, before each latency measurement
 * @param rounds           repetitions of each throughput measurement (the report shows the median and range)
 */
public enum Scale {
    FULL(5_000, 2_000, 3_000, 10_000, 200, 500, 100, 5),
    QUICK(1_000, 300, 400, 150, 30, 60, 20, 3),
    SMOKE(40, 20, 20, 10, 3, 5, 2, 1);

    private final int rawTasks;
    private final int rawLatencyTasks;
    private final int throughputTasks;
    private final int warmupTasks;
    private final int latencyChains;
    private final int latencySingles;
    private final int latencyWarmup;
    private final int rounds;

    Scale(int rawTasks, int rawLatencyTasks, int throughputTasks, int warmupTasks, int latencyChains,
          int latencySingles, int latencyWarmup, int rounds) {
        this.rawTasks = rawTasks;
        this.rawLatencyTasks = rawLatencyTasks;
        this.throughputTasks = throughputTasks;
        this.warmupTasks = warmupTasks;
        this.latencyChains = latencyChains;
        this.latencySingles = latencySingles;
        this.latencyWarmup = latencyWarmup;
        this.rounds = rounds;
    }

    public int rawTasks() {
        return rawTasks;
    }

    public int rawLatencyTasks() {
        return rawLatencyTasks;
    }

    public int throughputTasks() {
        return throughputTasks;
    }

    public int warmupTasks() {
        return warmupTasks;
    }

    public int latencyChains() {
        return latencyChains;
    }

    public int latencySingles() {
        return latencySingles;
    }

    public int latencyWarmup() {
        return latencyWarmup;
    }

    public int rounds() {
        return rounds;
    }
}
