package io.cloaca.engine.store;

/** Status of a workflow execution; the names are the strings Python scripts compare against. */
public enum ExecutionStatus {
    Pending, Running, Completed, Failed, Cancelled;

    public boolean isTerminal() {
        return this == Completed || this == Failed || this == Cancelled;
    }
}
