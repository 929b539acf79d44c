package io.cloaca.bench;

/**
 * Work done in an elapsed time.
 *
 * @param tasks   tasks completed
 * @param commits transactions committed (for the raw baseline; 0 when not counted)
 * @param nanos   elapsed wall time
 */
record Throughput(long tasks, long commits, long nanos) {

    double tasksPerSecond() {
        return tasks / (nanos / 1e9);
    }

    double commitsPerSecond() {
        return commits / (nanos / 1e9);
    }
}
