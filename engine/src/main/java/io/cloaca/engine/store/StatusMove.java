package io.cloaca.engine.store;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * One legal status change as SQL: {@code set} writes the new status, {@code guard} admits only rows in
 * one of the old ones, so the database can never apply a change the tables of
 * {@link TaskStatus#canMoveTo} and {@link ExecutionStatus#canMoveTo} do not list. Building a move those
 * tables refuse is a bug in the store and fails loudly before anything is written.
 *
 * <p>Every statement with a guard finds its rows by key (an id, or an execution's id and a task name);
 * the guard only checks them. It is written {@code (status IN (...)) IS TRUE}, which means the same for
 * a NOT NULL column but which no index can serve and from which PostgreSQL cannot prove a partial
 * index's predicate. PostgreSQL keeps the plan it made for a prepared statement while the table was
 * nearly empty, when a key lookup and a scan of the rows in one status cost the same: with a plain
 * {@code status IN ('Ready')} that plan read the whole partial index of Ready rows, filtered by id, for
 * every claim (600 buffers a claim at 3,000 queued tasks, seen with auto_explain), and the end of an
 * execution read the status index's whole Running range. Written this way, the key is the only way in.
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
        return new StatusMove("status = '" + to.name() + "'", "(status IN ("
                + Arrays.stream(from).map(f -> "'" + f.name() + "'").collect(Collectors.joining(", ")) + ")) IS TRUE");
    }

    private static IllegalStateException illegal(String what, Enum<?> from, Enum<?> to) {
        return new IllegalStateException("BUG: a " + what + " cannot change from " + from + " to " + to
                + " (see " + (what.equals("task") ? "TaskStatus" : "ExecutionStatus") + ".canMoveTo)");
    }
}
