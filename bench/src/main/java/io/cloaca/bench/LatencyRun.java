package io.cloaca.bench;

import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.ExecutionResult;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.store.ExecutionStatus;

import java.sql.SQLException;

/** Executions one after another on an otherwise idle runner, each timed from {@code execute} to its return. */
final class LatencyRun {

    private LatencyRun() {
    }

    /**
     * @param onMeasuredStart called after the warm-up, before the first measured execution (to reset probes)
     */
    static Latencies measure(Runner runner, String workflow, int warmup, int count, Runnable onMeasuredStart) {
        for (int i = 0; i < warmup; i++) {
            check(workflow, runner.execute(workflow, Context.empty()));
        }
        onMeasuredStart.run();
        Latencies endToEnd = new Latencies();
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            ExecutionResult result = runner.execute(workflow, Context.empty());
            endToEnd.add(System.nanoTime() - start);
            check(workflow, result);
        }
        return endToEnd;
    }

    /** An engine's latencies and a baseline's, sampled alternately. */
    record Interleaved(Latencies engine, Latencies baseline) {
    }

    /**
     * Executions one after another as in {@link #measure}, each followed by one baseline task on the same
     * thread, after {@code warmup} untimed pairs: the two sets of samples alternate, so drift of the
     * machine's speed, which moves over minutes, moves both alike.
     */
    static Interleaved interleaved(Runner runner, String workflow, int warmup, int count,
                                   RawCommitBaseline.LoneWriter baseline) throws SQLException {
        Interleaved sampled = new Interleaved(new Latencies(), new Latencies());
        for (int i = 0; i < warmup + count; i++) {
            long start = System.nanoTime();
            ExecutionResult result = runner.execute(workflow, Context.empty());
            long engine = System.nanoTime() - start;
            check(workflow, result);
            long raw = baseline.nextTask();
            if (i >= warmup) {
                sampled.engine().add(engine);
                sampled.baseline().add(raw);
            }
        }
        return sampled;
    }

    private static void check(String workflow, ExecutionResult result) {
        if (result.status() != ExecutionStatus.Completed) {
            throw new IllegalStateException(workflow + " ended " + result.status() + ": " + result.errorMessage());
        }
    }
}
