package io.cloaca.bench;

import java.util.List;

/** Repeated throughput measurements of one thing: the median is the figure, the range shows the noise. */
record Rounds(List<Throughput> rounds) {

    Rounds {
        if (rounds.isEmpty()) {
            throw new IllegalArgumentException("no rounds");
        }
        rounds = List.copyOf(rounds);
    }

    private double[] sortedTasksPerSecond() {
        return rounds.stream().mapToDouble(Throughput::tasksPerSecond).sorted().toArray();
    }

    double median() {
        return median(sortedTasksPerSecond());
    }

    /** The median over the rounds of machine CPU per task, in microseconds; NaN if unknown. */
    double medianCpuMicrosPerTask() {
        return median(rounds.stream().mapToDouble(Throughput::cpuMicrosPerTask).sorted().toArray());
    }

    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** Commits per second of the median round (the raw baseline counts its commits). */
    double medianCommitsPerSecond() {
        return median() * rounds.get(0).commits() / rounds.get(0).tasks();
    }

    /** E.g. "1,819 tasks/s (range 1,700-1,900)", or just the figure for one round. */
    String describe() {
        double[] v = sortedTasksPerSecond();
        String median = Format.rate(median(), "tasks");
        return v.length == 1 ? median : median + " (" + Format.range(v[0], v[v.length - 1]) + ")";
    }
}
