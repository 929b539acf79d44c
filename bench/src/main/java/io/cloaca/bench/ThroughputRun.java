package io.cloaca.bench;

import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.ExecutionResult;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.store.ExecutionStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Many independent executions at once: one client thread calls {@link Runner#submit} for all of them
 * (each submit commits the execution and its task rows), then waits for every result. The time runs from
 * the first submit to the last result, so it includes the submit commits.
 */
final class ThroughputRun {

    private ThroughputRun() {
    }

    static Throughput measure(Runner runner, String workflow, int tasksPerWorkflow, int tasks) throws Exception {
        int executions = Math.max(1, tasks / tasksPerWorkflow);
        List<CompletableFuture<ExecutionResult>> results = new ArrayList<>(executions);
        long start = System.nanoTime();
        for (int i = 0; i < executions; i++) {
            results.add(runner.submit(workflow, Context.empty()).result());
        }
        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(30, TimeUnit.MINUTES);
        long elapsed = System.nanoTime() - start;
        for (CompletableFuture<ExecutionResult> r : results) {
            ExecutionResult result = r.join();
            if (result.status() != ExecutionStatus.Completed) {
                throw new IllegalStateException(workflow + " ended " + result.status() + ": " + result.errorMessage());
            }
        }
        return new Throughput((long) executions * tasksPerWorkflow, 0, elapsed);
    }
}
