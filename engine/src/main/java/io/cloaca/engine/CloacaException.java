package io.cloaca.engine;

/**
 * Root of every error the engine raises. Unchecked, like Flyway's and db-scheduler's roots: callers
 * catch the subclass they can handle and let the rest propagate.
 *
 * <p>The {@link Kind} says what sort of mistake it is, so a binding (the Python module, the CLI)
 * can map it to its own error type without parsing messages.
 */
public class CloacaException extends RuntimeException {

    /** What went wrong, coarsely: the Python bridge maps each kind to one builtin exception type. */
    public enum Kind {
        /** The caller passed something invalid (a name, a URL, a config value). */
        INVALID_ARGUMENT,
        /** A workflow definition is not a valid DAG. */
        INVALID_WORKFLOW,
        /** A named thing (workflow, execution) does not exist. */
        NOT_FOUND,
        /** The database refused or could not be reached. */
        STORAGE,
        /** A wait ran out of time. */
        TIMEOUT,
        /** The runner is shut down or its state forbids the call. */
        ILLEGAL_STATE
    }

    private final Kind kind;

    public CloacaException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public CloacaException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public static CloacaException invalidArgument(String message) {
        return new CloacaException(Kind.INVALID_ARGUMENT, message);
    }

    public static CloacaException notFound(String message) {
        return new CloacaException(Kind.NOT_FOUND, message);
    }

    public static CloacaException storage(String message, Throwable cause) {
        return new CloacaException(Kind.STORAGE, message, cause);
    }

    public static CloacaException illegalState(String message) {
        return new CloacaException(Kind.ILLEGAL_STATE, message);
    }
}
