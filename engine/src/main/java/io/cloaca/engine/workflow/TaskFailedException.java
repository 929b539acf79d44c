package io.cloaca.engine.workflow;

/**
 * Thrown by a task body to fail an attempt with an exact message (what scripts read back as the
 * task's error) and optional details (a traceback), stored with the task row.
 */
public class TaskFailedException extends Exception {

    private final String details;

    public TaskFailedException(String message, String details) {
        super(message, null, false, false);
        this.details = details;
    }

    /** The same, caused by {@code cause} (kept for logs; the message is what the task row shows). */
    public TaskFailedException(String message, String details, Throwable cause) {
        super(message, cause, false, false);
        this.details = details;
    }

    public String details() {
        return details;
    }
}
