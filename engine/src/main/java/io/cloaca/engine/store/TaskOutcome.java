package io.cloaca.engine.store;

/** What one attempt of a task came to, as the store records it. */
public sealed interface TaskOutcome {

    /** The body returned; {@code outputContext} is JSON. */
    record Succeeded(String outputContext) implements TaskOutcome {
    }

    /** The attempt failed and another one is due at {@code retryAt} (epoch millis). */
    record Retry(String error, String details, long retryAt) implements TaskOutcome {
    }

    /** The task failed for good. */
    record Failed(String error, String details) implements TaskOutcome {
    }
}
