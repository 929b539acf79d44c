package io.cloaca.engine.store;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of one task row; {@link #canMoveTo} is the one table of legal changes, which every write
 * of a status consults (through {@link StatusMove}):
 *
 * <pre>
 * NotStarted → Ready      its dependencies ended and its trigger rule holds
 * NotStarted → Running    the same, claimed at once by the worker whose task it waited for
 * NotStarted → Skipped    its dependencies ended and its trigger rule is false
 * NotStarted → Failed     its execution was failed as a whole (a workflow version this runner lacks)
 * Ready      → Running    claimed
 * Ready      → Failed     its execution was failed as a whole
 * Running    → Completed  its body returned
 * Running    → Failed     it failed for good, or was abandoned after too many recoveries
 * Running    → Ready      a retry is due, the claim was given back, or it was recovered from a lost runner
 * </pre>
 *
 * Completed, Failed and Skipped are final. A new row starts NotStarted, Ready or Running (a root claimed
 * by the runner that creates the execution).
 */
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

    /** Whether a row may change from this status to {@code next} (the table above). */
    public boolean canMoveTo(TaskStatus next) {
        return next != this && successors().contains(next);
    }

    /** Whether a new row may be written with this status. */
    public boolean isInitial() {
        return this == NotStarted || this == Ready || this == Running;
    }

    private Set<TaskStatus> successors() {
        return switch (this) {
            case NotStarted -> EnumSet.of(Ready, Running, Skipped, Failed);
            case Ready -> EnumSet.of(Running, Failed);
            case Running -> EnumSet.of(Completed, Failed, Ready);
            case Completed, Failed, Skipped -> EnumSet.noneOf(TaskStatus.class);
        };
    }
}
