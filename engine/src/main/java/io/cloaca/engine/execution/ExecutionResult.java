package io.cloaca.engine.execution;

import io.cloaca.engine.context.Context;
import io.cloaca.engine.store.ExecutionRecord;
import io.cloaca.engine.store.ExecutionStatus;

import java.time.Instant;

/**
 * The end of a workflow execution, as {@code execute} returns it; or, read from the history with
 * {@link #of}, an execution as it stands, Running with {@code completedAt} null.
 *
 * @param finalContext the output of the last task to complete (the initial context if none completed, and
 *                     while Running)
 * @param errorMessage "&lt;f&gt; task(s) failed, &lt;c&gt; completed, &lt;s&gt; skipped" when Failed, else null
 */
public record ExecutionResult(String executionId, String workflowName, ExecutionStatus status, Instant startedAt,
                              Instant completedAt, Context finalContext, String errorMessage) {

    /** The execution {@code record} holds, ended or not. */
    public static ExecutionResult of(ExecutionRecord record) {
        String json = record.finalContext() != null ? record.finalContext() : record.initialContext();
        return new ExecutionResult(record.id(), record.workflowName(), record.status(),
                Instant.ofEpochMilli(record.startedAt()),
                record.completedAt() == null ? null : Instant.ofEpochMilli(record.completedAt()),
                Context.fromJson(json), record.errorMessage());
    }
}
