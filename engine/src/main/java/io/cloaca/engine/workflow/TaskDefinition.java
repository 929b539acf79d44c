package io.cloaca.engine.workflow;

import io.cloaca.engine.retry.RetryPolicy;

import java.util.List;
import java.util.Objects;

/**
 * A task as a workflow knows it: identity, what it waits for, how it retries and what it runs.
 *
 * @param dependencies namespaces of tasks in the same workflow that must be terminal first
 * @param triggerRule  whether the task runs once its dependencies have ended, or ends Skipped; task names
 *                     in it may be short ids of this workflow's tasks, which {@link Workflow.Builder#build()}
 *                     resolves
 */
public record TaskDefinition(TaskNamespace namespace, List<TaskNamespace> dependencies, RetryPolicy retryPolicy,
                             TaskBody body, TriggerRule triggerRule) {

    public TaskDefinition {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(retryPolicy, "retryPolicy");
        Objects.requireNonNull(body, "body");
        dependencies = List.copyOf(dependencies);
        triggerRule = triggerRule == null ? TriggerRule.ALWAYS : triggerRule;
    }

    /** A task that always runs once its dependencies have ended. */
    public TaskDefinition(TaskNamespace namespace, List<TaskNamespace> dependencies, RetryPolicy retryPolicy,
                          TaskBody body) {
        this(namespace, dependencies, retryPolicy, body, TriggerRule.ALWAYS);
    }

    /** The same task under another rule. */
    public TaskDefinition withTriggerRule(TriggerRule rule) {
        return new TaskDefinition(namespace, dependencies, retryPolicy, body, rule);
    }

    public String id() {
        return namespace.task();
    }
}
