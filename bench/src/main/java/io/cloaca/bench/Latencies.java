package io.cloaca.bench;

import java.util.Arrays;

/** Durations in nanoseconds, recorded from any thread; percentiles by nearest rank. */
final class Latencies {

    private long[] samples = new long[256];
    private int size;

    synchronized void add(long nanos) {
        if (size == samples.length) {
            samples = Arrays.copyOf(samples, size * 2);
        }
        samples[size++] = nanos;
    }

    synchronized Latencies copy() {
        Latencies copy = new Latencies();
        copy.samples = Arrays.copyOf(samples, Math.max(1, size));
        copy.size = size;
        return copy;
    }

    synchronized void clear() {
        size = 0;
    }

    synchronized int count() {
        return size;
    }

    /** The {@code q} quantile (0 < q <= 1) in milliseconds; NaN when empty. */
    synchronized double percentileMillis(double q) {
        if (size == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(samples, size);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * size);
        return sorted[Math.min(size, Math.max(1, rank)) - 1] / 1e6;
    }

    double p50() {
        return percentileMillis(0.50);
    }

    double p99() {
        return percentileMillis(0.99);
    }
}
