package io.cloaca.api;

import java.util.Optional;

/**
 * The poll of an event trigger ({@link Cloaca#trigger}): looks for the event and answers whether to start
 * the trigger's workflow, and with which input.
 *
 * <p>Called on a thread of the engine's poll pool, never concurrently with itself within one engine. An
 * exception (or a null answer) is recorded in the trigger's history as a failed poll and logged; the
 * trigger is polled again at its next time.
 */
@FunctionalInterface
public interface EventPoll {

    /** @return the input to start the workflow with, or empty to skip this poll */
    Optional<Context> poll() throws Exception;
}
