package io.cloaca.python;

import io.cloaca.engine.CloacaException;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;

/**
 * Turns Java failures into real Python exceptions. A Java exception crossing into Python would arrive
 * as {@code polyglot.ForeignException}, which {@code except ValueError} does not catch; instead Java
 * asks the shim's {@code _raise} to raise the builtin, and rethrows that guest exception, which Python
 * then receives unchanged.
 */
final class PythonErrors {

    private final Value raiser;

    PythonErrors(Value cloacaModule) {
        this.raiser = cloacaModule.getMember("_raise");
    }

    /** A throwable carrying a Python exception of builtin type {@code type} (e.g. "ValueError"). */
    RuntimeException raise(String type, String message) {
        try {
            raiser.execute(type, message);
        } catch (PolyglotException e) {
            return e;
        }
        return new IllegalStateException("cloaca._raise returned instead of raising " + type + ": " + message);
    }

    /** {@code prefix + e.getMessage()} as the Python type that fits the engine error's kind. */
    RuntimeException translate(String prefix, CloacaException e) {
        String type = switch (e.kind()) {
            case INVALID_ARGUMENT, INVALID_WORKFLOW, NOT_FOUND, TIMEOUT, ILLEGAL_STATE -> "ValueError";
            case STORAGE -> "RuntimeError";
        };
        return raise(type, prefix + e.getMessage());
    }
}
