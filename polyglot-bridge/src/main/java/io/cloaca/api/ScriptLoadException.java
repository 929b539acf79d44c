package io.cloaca.api;

import java.nio.file.Path;

/**
 * A Python workflow file could not be loaded: it could not be read, has a syntax error, or raised while
 * it ran. The message names the file and, when known, the line; {@link #details()} holds the traceback.
 * Workflows and tasks the file registered before it failed stay registered.
 */
public class ScriptLoadException extends CloacaApiException {

    private final Path file;
    private final int line;
    private final String pythonType;
    private final String details;

    /**
     * @param line       the line the error points at, 0 when unknown
     * @param pythonType the Python exception's type, null when the file could not be read
     * @param details    the traceback, or null
     */
    public ScriptLoadException(Path file, int line, String pythonType, String message, String details, Throwable cause) {
        super(file + (line > 0 ? ", line " + line : "") + ": "
                + (pythonType == null ? "" : pythonType + ": ") + message, cause);
        this.file = file;
        this.line = line;
        this.pythonType = pythonType;
        this.details = details == null ? "" : details;
    }

    /** The file, as given to {@link PythonWorkflows#load(Path)}. */
    public Path file() {
        return file;
    }

    /** The line the error points at (1-based), or 0 when it has none (e.g. the file could not be read). */
    public int line() {
        return line;
    }

    /** The Python exception's type, e.g. "SyntaxError"; null when the file could not be read. */
    public String pythonType() {
        return pythonType;
    }

    /** The Python traceback, or empty. */
    public String details() {
        return details;
    }
}
