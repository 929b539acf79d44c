package io.cloaca.api;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * An execution started by {@link Cloaca#submit}: its id at once (the execution is already in the database),
 * its result when it ends.
 *
 * <p>{@code result} completes with the {@link ExecutionResult} (a failed task does not complete it
 * exceptionally: it shows in the result), or exceptionally with an {@link IllegalStateException} if the
 * engine closes first (the execution then carries on in the database, for the next engine on it) or a
 * {@link CloacaApiException} if the database fails. It has no timeout of its own: use
 * {@code result().get(timeout, unit)} or {@code orTimeout}.
 *
 * @param executionId the execution's id in the database
 * @param result      completes when the execution ends
 */
public record Submission(String executionId, CompletableFuture<ExecutionResult> result) {

    public Submission {
        Objects.requireNonNull(executionId, "executionId");
        Objects.requireNonNull(result, "result");
    }
}
