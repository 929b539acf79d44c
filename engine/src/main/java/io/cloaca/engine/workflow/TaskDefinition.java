package io.cloaca.engine.workflow;

import io.cloaca.engine.retry.RetryPolicy;

import java.util.List;
import java.util.Objects;

/**
 * A task as a workflow knows it: identity, what it waits for, how it retries and what it runs.
 *
 * @param dependencies namespaces of tasks in the same workflow that must be terminal first
 */
public record TaskDefinition(TaskNamespace namespace, List<TaskNamespace> dependencies, RetryPolicy retryPolicy,
                             TaskBody body) {

    public TaskDefinition {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(retryPolicy, "retryPolicy");
        Objects.requireNonNull(body, "body");
        dependencies = List.copyOf(dependencies);
    }

    public String id() {
        return namespace.task();
    }
}
