package io.cloaca.api;

/**
 * Root of the errors the engine raises besides the standard ones ({@link NullPointerException},
 * {@link IllegalArgumentException} for bad input, {@link IllegalStateException} for a closed engine):
 * the database failed or could not be reached, an execution did not end in time
 * ({@link ExecutionTimeoutException}), a Python file could not be loaded ({@link ScriptLoadException}).
 * Unchecked.
 */
public class CloacaApiException extends RuntimeException {

    /** An error saying {@code message}. */
    public CloacaApiException(String message) {
        super(message);
    }

    /** An error saying {@code message}, caused by {@code cause}. */
    public CloacaApiException(String message, Throwable cause) {
        super(message, cause);
    }
}
