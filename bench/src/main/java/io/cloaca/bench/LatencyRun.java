package io.cloaca.bench;

import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.ExecutionResult;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.store.ExecutionStatus;

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

    private static void check(String workflow, ExecutionResult result) {
        if (result.status() != ExecutionStatus.Completed) {
            throw new IllegalStateException(workflow + " ended " + result.status() + ": " + result.errorMessage());
        }
    }
}
