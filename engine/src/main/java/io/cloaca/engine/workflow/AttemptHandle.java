package io.cloaca.engine.workflow;

import io.cloaca.engine.CloacaException;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The {@link TaskHandle} of one attempt, over the concurrency {@link Slot} its worker holds. The engine
 * makes one per attempt and {@link #consume()}s it when the body returns; embedders only see it as a
 * {@code TaskHandle}.
 */
public final class AttemptHandle implements TaskHandle {

    /**
     * A worker's concurrency slot, as the handle sees it. All calls come from the task's own thread.
     */
    public interface Slot {

        /** Lends the slot to other tasks (the worker takes care of it if the attempt ends without it). */
        void release();

        /** Takes a slot again, waiting while every slot is in use. */
        void acquire() throws InterruptedException;

        /**
         * Waits up to {@code nanos}, or less if woken early (spurious wake-ups are fine: the handle
         * checks the time itself).
         */
        void pause(long nanos) throws InterruptedException;

        /** True once the task's runner is shutting down: a deferred task stops waiting. */
        boolean stopping();

        /** No pool at all (a body called outside a runner): nothing to lend, and waits just sleep. */
        Slot NONE = new Slot() {
            @Override
            public void release() {
            }

            @Override
            public void acquire() {
            }

            @Override
            public void pause(long nanos) throws InterruptedException {
                TimeUnit.NANOSECONDS.sleep(nanos);
            }

            @Override
            public boolean stopping() {
                return false;
            }
        };
    }

    private enum State { HELD, DEFERRED, CONSUMED }

    /** Longer intervals poll this often (about 73 years): the only effect is that nanoTime sums never overflow. */
    private static final Duration LONGEST_INTERVAL = Duration.ofNanos(Long.MAX_VALUE / 4);

    private final String taskName;
    private final Slot slot;
    private volatile State state;
    /** Set when a shutdown ended a deferral: the attempt's outcome must not be recorded. */
    private volatile boolean abandoned;

    /**
     * @param taskName names the task in errors
     * @param slot     the slot the task's worker holds (or {@link Slot#NONE})
     */
    public AttemptHandle(String taskName, Slot slot) {
        this.taskName = Objects.requireNonNull(taskName, "taskName");
        this.slot = Objects.requireNonNull(slot, "slot");
        this.state = slot == Slot.NONE ? State.DEFERRED : State.HELD;
    }

    @Override
    public void deferUntil(Condition condition, Duration pollInterval) throws TaskFailedException {
        ensureLive();
        if (condition == null) {
            throw CloacaException.invalidArgument("deferUntil needs a condition, got null");
        }
        if (pollInterval == null || pollInterval.isNegative() || pollInterval.isZero()) {
            throw CloacaException.invalidArgument("deferUntil poll interval must be a positive duration, got "
                    + pollInterval);
        }
        if (state == State.DEFERRED && slot != Slot.NONE) {
            throw CloacaException.illegalState("Task '" + taskName + "' is already deferred; deferUntil cannot be "
                    + "called from inside its own condition");
        }
        boolean lent = state == State.HELD;
        if (lent) {
            slot.release();
            state = State.DEFERRED;
        }
        try {
            // Saturated well below Long.MAX_VALUE so that "now + interval" cannot overflow.
            waitFor(condition, pollInterval.compareTo(LONGEST_INTERVAL) > 0 ? LONGEST_INTERVAL.toNanos()
                    : pollInterval.toNanos());
        } finally {
            // An abandoned attempt ends without its slot: taking one back could wait behind other lanes'
            // tasks while the runner is trying to stop.
            if (lent && !abandoned) {
                reacquire();
            }
        }
    }

    private void waitFor(Condition condition, long intervalNanos) throws TaskFailedException {
        long next = System.nanoTime();
        while (true) {
            if (slot.stopping()) {
                abandoned = true;
                throw CloacaException.illegalState("The runner is shutting down while task '" + taskName
                        + "' is deferred; its claim is given back and the task will run again");
            }
            long left = next - System.nanoTime();
            if (left <= 0) {
                if (ask(condition)) {
                    return;
                }
                next = System.nanoTime() + intervalNanos;
                continue;
            }
            try {
                slot.pause(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abandoned = true;
                throw CloacaException.illegalState("Task '" + taskName + "' was interrupted while deferred");
            }
        }
    }

    private boolean ask(Condition condition) throws TaskFailedException {
        try {
            return condition.test();
        } catch (Exception e) {
            String message = e.getMessage();
            throw new TaskFailedException("The deferUntil condition of task '" + taskName + "' raised "
                    + e.getClass().getSimpleName() + (message == null ? "" : ": " + message), null, e);
        }
    }

    private void reacquire() {
        try {
            slot.acquire();
        } catch (InterruptedException e) {
            // Without a slot the body must not go on: end the attempt as a shutdown would.
            Thread.currentThread().interrupt();
            abandoned = true;
            state = State.CONSUMED;
            throw CloacaException.illegalState("Task '" + taskName + "' was interrupted while taking its slot back");
        }
        state = State.HELD;
    }

    @Override
    public boolean isSlotHeld() {
        ensureLive();
        return state == State.HELD;
    }

    private void ensureLive() {
        if (state == State.CONSUMED) {
            throw CloacaException.illegalState(CONSUMED);
        }
    }

    /**
     * Ends the handle with its attempt: every later call fails with {@value TaskHandle#CONSUMED}.
     *
     * @return true when a shutdown or an interrupt ended a deferral of this attempt, so its outcome must
     *     not be recorded (the claim is given back instead)
     */
    public boolean consume() {
        state = State.CONSUMED;
        return abandoned;
    }
}
