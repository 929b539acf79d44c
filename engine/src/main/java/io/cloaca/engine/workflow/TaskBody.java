package io.cloaca.engine.workflow;

import io.cloaca.engine.context.Context;

/**
 * The code of a task. Called on a worker thread with a private copy of its input; returns the output
 * context (usually the same object, changed). Throwing fails the attempt, subject to the retry policy.
 *
 * <p>A body that needs its {@link TaskHandle} (to defer while it waits for something) is made with
 * {@link #withHandle}: {@code TaskBody.withHandle((ctx, handle) -> { handle.deferUntil(ready); return ctx; })}.
 */
@FunctionalInterface
public interface TaskBody {

    Context run(Context input) throws Exception;

    /**
     * What the engine calls: the body with its attempt's handle. Plain bodies ignore the handle; bodies
     * made by {@link #withHandle} receive it.
     */
    default Context run(Context input, TaskHandle handle) throws Exception {
        return run(input);
    }

    /**
     * Whether the engine may interrupt the thread running this body once its attempt has timed out, so that
     * a body blocked in an interruptible wait ({@code sleep}, {@code wait}, a lock, a latch, an NIO channel)
     * ends and frees its worker; its outcome is dropped either way. True by default; a body whose code
     * must not see a stray interrupt (an interpreter's, as Python's) answers false.
     */
    default boolean interruptible() {
        return true;
    }

    /** A task body that receives its {@link TaskHandle}. */
    @FunctionalInterface
    interface WithHandle {
        Context run(Context input, TaskHandle handle) throws Exception;
    }

    /**
     * A body that receives its attempt's {@link TaskHandle}. Called without a runner (its one-argument
     * {@code run}, as a unit test might), it gets a handle that holds no slot and waits on the calling thread.
     */
    static TaskBody withHandle(WithHandle body) {
        java.util.Objects.requireNonNull(body, "body");
        return new TaskBody() {
            @Override
            public Context run(Context input) throws Exception {
                AttemptHandle handle = new AttemptHandle("(outside a runner)", AttemptHandle.Slot.NONE);
                try {
                    return body.run(input, handle);
                } finally {
                    handle.consume();
                }
            }

            @Override
            public Context run(Context input, TaskHandle handle) throws Exception {
                return body.run(input, handle);
            }
        };
    }
}
