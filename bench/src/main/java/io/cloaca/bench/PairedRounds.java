package io.cloaca.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Engine rounds, each run right after a round of the raw baseline: on a shared machine the speed of the
 * cores and of the disk drifts over minutes, and a drift then moves both rounds of a pair alike, where
 * it moves a ratio to a baseline measured once, minutes earlier, by itself.
 */
record PairedRounds(Rounds engine, Rounds raw) {

    PairedRounds {
        if (engine.rounds().size() != raw.rounds().size()) {
            throw new IllegalArgumentException("unpaired rounds: " + engine.rounds().size() + " engine, "
                    + raw.rounds().size() + " raw");
        }
    }

    /** Each pair's engine throughput over its raw throughput, sorted. */
    private double[] sortedRatios() {
        double[] ratios = new double[engine.rounds().size()];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = engine.rounds().get(i).tasksPerSecond() / raw.rounds().get(i).tasksPerSecond();
        }
        java.util.Arrays.sort(ratios);
        return ratios;
    }

    /** The median of the pairs' ratios. */
    double medianRatio() {
        return Rounds.median(sortedRatios());
    }

    /** E.g. "118%", or "118% (pairs 112-125%)" for several pairs. */
    String describeRatio() {
        double[] r = sortedRatios();
        String median = Format.percent(medianRatio(), 1);
        return r.length == 1 ? median : median + " (pairs " + Format.range(100 * r[0], 100 * r[r.length - 1]) + "%)";
    }

    /** Builds the pairs one after the other. */
    static final class Builder {
        private final List<Throughput> engine = new ArrayList<>();
        private final List<Throughput> raw = new ArrayList<>();

        void add(Throughput rawRound, Throughput engineRound) {
            raw.add(rawRound);
            engine.add(engineRound);
        }

        PairedRounds build() {
            return new PairedRounds(new Rounds(engine), new Rounds(raw));
        }
    }
}
