package io.cloaca.bench;

/**
 * Work done in an elapsed time.
 *
 * @param tasks   tasks completed
 * @param commits transactions committed (for the raw baseline; 0 when not counted)
 * @param nanos   elapsed wall time
 * @param cpuNanos the whole machine's busy CPU time meanwhile ({@link MachineCpu}), or -1 if unknown
 */
record Throughput(long tasks, long commits, long nanos, long cpuNanos) {

    double tasksPerSecond() {
        return tasks / (nanos / 1e9);
    }

    double commitsPerSecond() {
        return commits / (nanos / 1e9);
    }

    /** Machine CPU per task in microseconds, or NaN if unknown. */
    double cpuMicrosPerTask() {
        return cpuNanos < 0 ? Double.NaN : cpuNanos / 1e3 / tasks;
    }
}
