package io.cloaca.bench;

import io.cloaca.engine.workflow.TaskBody;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Task bodies that time the hand-over between consecutive tasks of a chain. Each body reads
 * {@code System.nanoTime()} as it starts and stores another reading in its output context just before
 * it returns; the next body's start minus that value is the dispatch latency. It therefore includes
 * serialising the output, the commit that records it (and claims the successor), and reading the
 * successor's input back: everything between one body's return and the next body's first line.
 */
final class DispatchProbe {

    static final String END_KEY = "bench_end_nanos";

    private final Latencies dispatch = new Latencies();

    Latencies latencies() {
        return dispatch;
    }

    TaskBody body() {
        return input -> {
            long start = System.nanoTime();
            JsonNode previousEnd = input.get(END_KEY);
            if (previousEnd != null) {
                dispatch.add(start - previousEnd.asLong());
            }
            input.set(END_KEY, System.nanoTime());
            return input;
        };
    }
}
