package io.cloaca.engine.workflow;

import io.cloaca.engine.context.Context;

/**
 * The code of a task. Called on a worker thread with a private copy of its input; returns the output
 * context (usually the same object, changed). Throwing fails the attempt, subject to the retry policy.
 */
@FunctionalInterface
public interface TaskBody {
    Context run(Context input) throws Exception;
}
