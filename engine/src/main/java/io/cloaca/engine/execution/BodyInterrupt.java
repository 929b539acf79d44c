package io.cloaca.engine.execution;

/**
 * The interrupt a timed-out attempt's thread gets (see {@link io.cloaca.engine.workflow.TaskBody#interruptible}),
 * delivered only while the body is still running: once it has returned, the thread is the engine's again,
 * and an interrupt there would break its own waits and I/O. An interrupt this delivered is cleared when the
 * body returns, whether or not the body noticed it.
 */
final class BodyInterrupt {

    private final Thread thread;
    private boolean running = true;
    private boolean delivered;

    /** @param thread the thread about to run the body */
    BodyInterrupt(Thread thread) {
        this.thread = thread;
    }

    /** Interrupts the body's thread if the body has not returned yet. */
    synchronized void deliver() {
        if (running) {
            delivered = true;
            thread.interrupt();
        }
    }

    /** Called on the body's thread as the body returns: no interrupt is delivered after this one. */
    synchronized void bodyReturned() {
        running = false;
        if (delivered) {
            Thread.interrupted();
        }
    }
}
