package io.cloaca.engine.trigger;

/**
 * A trigger's poll function: called once per poll interval (or cron instant) on a thread of the
 * runner's poll pool, never concurrently with itself within one runner.
 */
@FunctionalInterface
public interface TriggerPoll {

    /**
     * Looks for the event. Any exception, a null answer, or not answering within the runner's poll
     * timeout is recorded in the trigger's history and logged; the trigger is polled again at its
     * next time.
     */
    TriggerResult poll() throws Exception;

    /**
     * A poll that failed with a message already worded for the history (a host language's exception,
     * say); the engine records {@link #getMessage()} as it is.
     */
    final class Failed extends RuntimeException {
        public Failed(String message) {
            super(message);
        }
    }
}
