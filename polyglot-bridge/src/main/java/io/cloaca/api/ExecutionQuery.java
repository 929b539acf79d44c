package io.cloaca.api;

import java.util.Objects;

/**
 * Which executions {@link Cloaca#executions} lists: the newest {@code limit}, narrowed to one workflow and
 * one status when those are set. Immutable; each narrowing returns a new query.
 *
 * <pre>{@code
 * cloaca.executions(ExecutionQuery.newest(20).workflow("etl").status(ExecutionStatus.FAILED));
 * }</pre>
 *
 * @param workflowName only executions of this workflow, or null for every workflow
 * @param status       only executions in this status, or null for every status
 * @param limit        at most this many, from 1 to {@value #MAX_LIMIT}
 */
public record ExecutionQuery(String workflowName, ExecutionStatus status, int limit) {

    /** The most executions one query returns. */
    public static final int MAX_LIMIT = 1000;

    /** @throws IllegalArgumentException if {@code limit} is not from 1 to {@value #MAX_LIMIT} */
    public ExecutionQuery {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be from 1 to " + MAX_LIMIT + ", got " + limit);
        }
    }

    /**
     * The newest {@code limit} executions, of every workflow and status.
     *
     * @throws IllegalArgumentException if {@code limit} is not from 1 to {@value #MAX_LIMIT}
     */
    public static ExecutionQuery newest(int limit) {
        return new ExecutionQuery(null, null, limit);
    }

    /** This query, of executions of {@code workflowName} only. */
    public ExecutionQuery workflow(String workflowName) {
        return new ExecutionQuery(Objects.requireNonNull(workflowName, "workflowName"), status, limit);
    }

    /** This query, of executions in {@code status} only. */
    public ExecutionQuery status(ExecutionStatus status) {
        return new ExecutionQuery(workflowName, Objects.requireNonNull(status, "status"), limit);
    }
}
