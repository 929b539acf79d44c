package io.cloaca.engine.store;

/** The life of one task row: NotStarted → Ready → Running → Completed | Failed (or back to Ready to retry). */
public enum TaskStatus {
    NotStarted, Ready, Running, Completed, Failed, Skipped;

    /** The status named {@code name}, or null for a name this engine does not know (a foreign or corrupt row). */
    public static TaskStatus parse(String name) {
        for (TaskStatus status : values()) {
            if (status.name().equals(name)) {
                return status;
            }
        }
        return null;
    }

    /** Completed, Failed and Skipped never change again; dependents wait for all their dependencies to be terminal. */
    public boolean isTerminal() {
        return this == Completed || this == Failed || this == Skipped;
    }
}
