package io.cloaca.bench;

import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.ExecutionResult;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.store.ExecutionStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many independent executions at once: {@code clients} threads call {@link Runner#submit} (each submit
 * commits the execution and its task rows) until all are submitted, then every result is awaited. The
 * time runs from the first submit to the last result, so it includes the submit commits.
 */
final class ThroughputRun {

    private ThroughputRun() {
    }

    static Throughput measure(Runner runner, String workflow, int tasksPerWorkflow, int tasks, int clients)
            throws Exception {
        int executions = Math.max(1, tasks / tasksPerWorkflow);
        ConcurrentLinkedQueue<CompletableFuture<ExecutionResult>> results = new ConcurrentLinkedQueue<>();
        AtomicInteger left = new AtomicInteger(executions);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        long cpu = MachineCpu.busyNanos();
        for (int i = 0; i < clients; i++) {
            Thread client = new Thread(() -> {
                try {
                    while (left.getAndDecrement() > 0) {
                        results.add(runner.submit(workflow, Context.empty()).result());
                    }
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }, "bench-client-" + i);
            threads.add(client);
            client.start();
        }
        for (Thread client : threads) {
            client.join();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException(workflow + ": a submit failed: " + failures.get(0), failures.get(0));
        }
        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(30, TimeUnit.MINUTES);
        long elapsed = System.nanoTime() - start;
        long cpuUsed = MachineCpu.between(cpu, MachineCpu.busyNanos());
        for (CompletableFuture<ExecutionResult> r : results) {
            ExecutionResult result = r.join();
            if (result.status() != ExecutionStatus.Completed) {
                throw new IllegalStateException(workflow + " ended " + result.status() + ": " + result.errorMessage());
            }
        }
        return new Throughput((long) executions * tasksPerWorkflow, 0, elapsed, cpuUsed);
    }
}
