package io.cloaca.engine;

/**
 * Bounds the text an error drags along (a message, a traceback, the output a failure quotes) before it
 * is logged or stored: a task's output can be hundreds of megabytes, and one failure was logged as one
 * 27.5 MB line, stored as such in the task's history and served by {@code cloaca ui}, on every retry.
 */
public final class ErrorText {

    /** Characters of an error's message or details kept: a long traceback fits, a payload does not. */
    public static final int LIMIT = 64 * 1024;

    private ErrorText() {
    }

    /**
     * {@code text} if it is at most {@link #LIMIT} characters long; else its first {@code LIMIT}
     * characters and a note saying how many were cut. Null stays null.
     */
    public static String cap(String text) {
        if (text == null || text.length() <= LIMIT) {
            return text;
        }
        // Not inside a surrogate pair: half a character would be a malformed string in UTF-8 and in JSON.
        int end = Character.isHighSurrogate(text.charAt(LIMIT - 1)) ? LIMIT - 1 : LIMIT;
        return text.substring(0, end) + "\n[... cut: " + (text.length() - end) + " more characters]";
    }
}
