package io.cloaca.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code cloaca bench}: measures the engine beside raw-database baselines. */
@Command(name = "bench", description = "Measure throughput and latency beside raw-database baselines.")
final class BenchCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("cloaca bench: the benchmark is being written; see docs/benchmarks.md");
        return 2;
    }
}
