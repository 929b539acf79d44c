package io.cloaca.engine.store;

/**
 * Status of a workflow execution; the names are the strings Python scripts compare against. An execution
 * is written Running (its tasks are written with it) and moves once, to Completed or Failed
 * ({@link #canMoveTo}). Upstream's {@code Pending} and {@code Cancelled} are not statuses here: nothing
 * would write them (reference §2.7; docs/decisions.md).
 */
public enum ExecutionStatus {
    Running, Completed, Failed;

    public boolean isTerminal() {
        return this == Completed || this == Failed;
    }

    /** Whether an execution may change from this status to {@code next}: only Running ends. */
    public boolean canMoveTo(ExecutionStatus next) {
        return this == Running && next.isTerminal();
    }

    /**
     * The status named {@code name}.
     *
     * @throws IllegalStateException for a name this engine never writes, naming the accepted ones: the
     *     row was written by something else
     */
    public static ExecutionStatus fromRow(String name) {
        for (ExecutionStatus status : values()) {
            if (status.name().equals(name)) {
                return status;
            }
        }
        throw new IllegalStateException("Execution status '" + name + "' is not one this engine writes"
                + " (Running, Completed, Failed)");
    }
}
