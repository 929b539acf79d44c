package io.cloaca.engine.workflow;

import io.cloaca.engine.CloacaException;

import java.time.Duration;

/**
 * What a running task can ask of the engine about its own run. A body receives one when it is made
 * with {@link TaskBody#withHandle}; it is valid for that attempt only.
 *
 * <p>Deferral: a task waiting on something outside the workflow (a file, an API, another execution)
 * calls {@link #deferUntil}; while it waits, its concurrency slot ({@code max_concurrent_tasks}) is lent
 * to other tasks, and its claim stays its own (heartbeats keep renewing it), so no other runner takes
 * it. If the process dies meanwhile, another runner recovers the task and runs its body again from the
 * start: nothing of the wait is persisted.
 */
public interface TaskHandle {

    /** How often {@link #deferUntil(Condition)} asks its condition (default: 1 s). */
    Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

    /** The message of every call made after the task's attempt ended. */
    String CONSUMED = "TaskHandle has already been consumed";

    /** Something a deferred task waits for; asked on the task's own thread, without its slot. */
    @FunctionalInterface
    interface Condition {
        boolean test() throws Exception;
    }

    /**
     * Gives the task's concurrency slot back, asks {@code condition} at once and then every
     * {@code pollInterval} until it answers true, and takes a slot again before returning (waiting for
     * one if the other tasks fill them all).
     *
     * @throws TaskFailedException    when the condition throws: the message names the task and the exception
     *                                (the cause), and the attempt fails unless the body catches it
     * @throws CloacaException        INVALID_ARGUMENT for a null condition or a poll interval that is null,
     *                                zero or negative; ILLEGAL_STATE {@value #CONSUMED} after the attempt ended,
     *                                or when the runner shuts down during the wait (the task's claim is then
     *                                given back, and a runner runs the task again)
     */
    void deferUntil(Condition condition, Duration pollInterval) throws TaskFailedException;

    /** {@link #deferUntil(Condition, Duration)} polling every {@link #DEFAULT_POLL_INTERVAL}. */
    default void deferUntil(Condition condition) throws TaskFailedException {
        deferUntil(condition, DEFAULT_POLL_INTERVAL);
    }

    /**
     * Whether the task holds a concurrency slot now: true while its body runs, false while
     * {@link #deferUntil} waits (so inside its condition).
     *
     * @throws CloacaException ILLEGAL_STATE {@value #CONSUMED} after the attempt ended
     */
    boolean isSlotHeld();
}
