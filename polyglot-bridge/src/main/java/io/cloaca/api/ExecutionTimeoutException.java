package io.cloaca.api;

import java.time.Duration;

/**
 * {@link Cloaca#execute} waited the configured execution timeout and the execution had not ended. It
 * carries on: its tasks are in the database and the engine keeps running them.
 */
public class ExecutionTimeoutException extends CloacaApiException {

    private final String executionId;
    private final Duration timeout;

    /** Execution {@code executionId} had not ended after {@code timeout}. */
    public ExecutionTimeoutException(String executionId, Duration timeout) {
        super("Execution " + executionId + " did not end within " + timeout.toMillis() + " ms (executionTimeout); it "
                + "carries on in the database");
        this.executionId = executionId;
        this.timeout = timeout;
    }

    /** The execution that is still running, to look up or wait for later. */
    public String executionId() {
        return executionId;
    }

    /** How long {@link Cloaca#execute} waited. */
    public Duration timeout() {
        return timeout;
    }
}
