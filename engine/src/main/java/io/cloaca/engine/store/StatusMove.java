package io.cloaca.engine.store;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * One legal status change as SQL: {@code set} writes the new status, {@code guard} admits only rows in
 * one of the old ones, so the database can never apply a change the tables of
 * {@link TaskStatus#canMoveTo} and {@link ExecutionStatus#canMoveTo} do not list. Building a move those
 * tables refuse is a bug in the store and fails loudly before anything is written.
 */
record StatusMove(String set, String guard) {

    static StatusMove task(TaskStatus to, TaskStatus... from) {
        for (TaskStatus f : from) {
            if (!f.canMoveTo(to)) {
                throw illegal("task", f, to);
            }
        }
        return of(to, from);
    }

    static StatusMove execution(ExecutionStatus to, ExecutionStatus... from) {
        for (ExecutionStatus f : from) {
            if (!f.canMoveTo(to)) {
                throw illegal("execution", f, to);
            }
        }
        return of(to, from);
    }

    /** Checks the status a new task row is written with. */
    static TaskStatus initial(TaskStatus status) {
        if (!status.isInitial()) {
            throw new IllegalStateException("BUG: a new task row cannot start " + status
                    + "; only NotStarted, Ready or Running (TaskStatus.isInitial)");
        }
        return status;
    }

    private static StatusMove of(Enum<?> to, Enum<?>... from) {
        if (from.length == 0) {
            throw new IllegalArgumentException("a status move needs at least one old status");
        }
        return new StatusMove("status = '" + to.name() + "'", "status IN ("
                + Arrays.stream(from).map(f -> "'" + f.name() + "'").collect(Collectors.joining(", ")) + ")");
    }

    private static IllegalStateException illegal(String what, Enum<?> from, Enum<?> to) {
        return new IllegalStateException("BUG: a " + what + " cannot change from " + from + " to " + to
                + " (see " + (what.equals("task") ? "TaskStatus" : "ExecutionStatus") + ".canMoveTo)");
    }
}
