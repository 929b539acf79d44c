package io.cloaca.api;

import io.cloaca.engine.CloacaException;

/** Maps the engine's exceptions onto the API's: standard Java types for the caller's mistakes, ours for the rest. */
final class Errors {

    private Errors() {
    }

    static RuntimeException translate(CloacaException e) {
        return switch (e.kind()) {
            case INVALID_ARGUMENT, INVALID_WORKFLOW, NOT_FOUND -> new IllegalArgumentException(e.getMessage(), e);
            case ILLEGAL_STATE -> new IllegalStateException(e.getMessage(), e);
            case STORAGE, TIMEOUT -> new CloacaApiException(e.getMessage(), e);
        };
    }
}
