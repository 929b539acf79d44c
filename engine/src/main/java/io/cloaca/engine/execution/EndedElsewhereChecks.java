package io.cloaca.engine.execution;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Which awaited executions a poll asks the database about, in case another process ended them. Every
 * execution awaited when a pass begins is asked about once in that pass; a pass is cut into slices of at
 * most {@link #SLICE}, one slice a poll, so that a poll costs a bounded number of key lookups however
 * many executions are awaited. Asking about all of them at every poll cost a runner with a backlog of
 * thousands of submitted executions more than the executions themselves (SQLite: 100-280 us of the
 * maintenance thread's CPU per one-task workflow). An execution awaited after a pass began waits for
 * the next one; one that ends here in the meantime is skipped.
 */
final class EndedElsewhereChecks {

    /** Executions asked about per poll at most. */
    static final int SLICE = 200;

    private final ArrayDeque<String> pass = new ArrayDeque<>();

    /** The next slice of {@code awaited} (a live view) to ask about; empty when nothing is awaited. */
    synchronized List<String> next(Set<String> awaited) {
        if (pass.isEmpty()) {
            pass.addAll(awaited);
        }
        List<String> slice = new ArrayList<>(Math.min(SLICE, pass.size()));
        while (slice.size() < SLICE && !pass.isEmpty()) {
            String id = pass.poll();
            if (awaited.contains(id)) {
                slice.add(id);
            }
        }
        return slice;
    }
}
