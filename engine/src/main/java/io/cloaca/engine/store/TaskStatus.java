package io.cloaca.engine.store;

/** The life of one task row: NotStarted → Ready → Running → Completed | Failed (or back to Ready to retry). */
public enum TaskStatus {
    NotStarted, Ready, Running, Completed, Failed, Skipped;

    /** Completed, Failed and Skipped never change again; dependents wait for all their dependencies to be terminal. */
    public boolean isTerminal() {
        return this == Completed || this == Failed || this == Skipped;
    }
}
