package io.cloaca.engine.workflow;

import io.cloaca.engine.CloacaException;

/**
 * The full identity of a task: {@code tenant::package::workflow::task}. Stored as a string in
 * {@code task_executions.task_name}.
 */
public record TaskNamespace(String tenant, String packageName, String workflow, String task) {

    public static final String SEPARATOR = "::";

    public TaskNamespace {
        if (tenant == null || packageName == null || workflow == null || task == null) {
            throw CloacaException.invalidArgument("TaskNamespace parts must not be null");
        }
    }

    /** A namespace in upstream's embedded default: tenant {@code public}, package {@code embedded}. */
    public static TaskNamespace embedded(String workflow, String task) {
        return new TaskNamespace("public", "embedded", workflow, task);
    }

    /**
     * Parses {@code tenant::package::workflow::task}.
     *
     * @throws CloacaException (INVALID_ARGUMENT) unless there are exactly four parts
     */
    public static TaskNamespace parse(String text) {
        // By hand rather than String.split: a two-character separator is a regex, compiled on every call,
        // and every task finish parses names (it was a tenth of a worker's time on SQLite).
        String[] parts = new String[4];
        int from = 0;
        for (int i = 0; i < 3; i++) {
            int at = text.indexOf(SEPARATOR, from);
            if (at < 0) {
                throw invalidFormat(text);
            }
            parts[i] = text.substring(from, at);
            from = at + SEPARATOR.length();
        }
        if (text.indexOf(SEPARATOR, from) >= 0) {
            throw invalidFormat(text);
        }
        parts[3] = text.substring(from);
        return new TaskNamespace(parts[0], parts[1], parts[2], parts[3]);
    }

    private static CloacaException invalidFormat(String text) {
        return CloacaException.invalidArgument("Invalid namespace format '" + text
                + "'. Expected 'tenant::package::workflow::task'");
    }

    /** The same workflow with another task id. */
    public TaskNamespace sibling(String taskId) {
        return new TaskNamespace(tenant, packageName, workflow, taskId);
    }

    @Override
    public String toString() {
        return tenant + SEPARATOR + packageName + SEPARATOR + workflow + SEPARATOR + task;
    }
}
