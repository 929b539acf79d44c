package io.cloaca.bench;

/**
 * What to run.
 *
 * @param scale       how many iterations
 * @param postgresUrl a PostgreSQL URL to measure too (in a fresh schema, dropped afterwards), or null
 */
public record BenchOptions(Scale scale, String postgresUrl) {

    /** Tasks run at once by each runner, and worker threads of the raw baseline. */
    public static final int WORKERS = 4;
    /**
     * Threads submitting executions in the throughput runs: as many as the raw baseline's writers, so that
     * both sides have the same number of transactions in flight (one client thread measures the latency
     * of its own commits instead; the bench reports that too, for 1-task workflows).
     */
    public static final int CLIENTS = WORKERS;
    /** Length of the chain workflows. */
    public static final int CHAIN_LENGTH = 10;
}
