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
    /** Length of the chain workflows. */
    public static final int CHAIN_LENGTH = 10;
}
