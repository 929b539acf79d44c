package io.cloaca.api;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.workflow.InvalidWorkflowException;
import io.cloaca.engine.retry.BackoffStrategy;
import io.cloaca.engine.retry.RetryCondition;
import io.cloaca.engine.retry.RetryPolicy;
import io.cloaca.engine.workflow.TaskNamespace;

import java.util.List;
import java.util.Objects;

/**
 * A workflow defined in Java: a graph of tasks, each running once all its dependencies have ended.
 * Immutable; build one with {@link #named(String)} and give it to {@link Cloaca#register(Workflow)}.
 * Tasks are Java lambdas, or Python tasks from a loaded file ({@link PythonWorkflows#task(String)}), in
 * any mix.
 *
 * <pre>{@code
 * Workflow invoice = Workflow.named("invoice")
 *         .task("price", ctx -> ctx.put("net", ctx.getInt("quantity") * 12.5))
 *         .task("tax", List.of("price"), ctx -> ctx.put("gross", ctx.getDouble("net") * 1.2))
 *         .build();
 * }</pre>
 */
public final class Workflow {

    private final io.cloaca.engine.workflow.Workflow definition;

    private Workflow(io.cloaca.engine.workflow.Workflow definition) {
        this.definition = definition;
    }

    /**
     * Starts a workflow named {@code name}, the name {@link Cloaca#execute} runs it by.
     *
     * @throws NullPointerException     if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank or contains "::"
     */
    public static Builder named(String name) {
        return new Builder(checkName("name", name));
    }

    /** The name {@link Cloaca#execute} runs it by. */
    public String name() {
        return definition.name();
    }

    /** What it does, as {@link Builder#description} set it; empty if not set. */
    public String description() {
        return definition.description();
    }

    /** Task ids, dependencies first. */
    public List<String> taskIds() {
        return definition.topologicalOrder().stream().map(TaskNamespace::task).toList();
    }

    /** 16 hex digits identifying the graph; an execution only runs on the version it started with. */
    public String version() {
        return definition.version();
    }

    io.cloaca.engine.workflow.Workflow definition() {
        return definition;
    }

    @Override
    public String toString() {
        return "Workflow(" + name() + ", tasks " + taskIds() + ")";
    }

    private static String checkName(String what, String name) {
        Objects.requireNonNull(name, what);
        if (name.isBlank() || name.contains(TaskNamespace.SEPARATOR)) {
            throw new IllegalArgumentException(what + " must be a non-blank name without \"::\", got '" + name + "'");
        }
        return name;
    }

    /** Collects tasks; {@link #build()} checks the graph. Not thread-safe. */
    public static final class Builder {

        private final String name;
        private final io.cloaca.engine.workflow.Workflow.Builder builder;
        /** Task ids in the order added, for messages. */
        private final List<String> ids = new java.util.ArrayList<>();

        private Builder(String name) {
            this.name = name;
            this.builder = io.cloaca.engine.workflow.Workflow.builder(name);
        }

        /** A line saying what the workflow does (default: empty). */
        public Builder description(String description) {
            builder.description(Objects.requireNonNull(description, "description"));
            return this;
        }

        /** Adds a task with no dependencies, retried as {@link Retry#DEFAULT}. */
        public Builder task(String id, Task body) {
            return task(id, List.of(), Retry.DEFAULT, body);
        }

        /** Adds a task that runs once every task of {@code dependsOn} has ended, retried as {@link Retry#DEFAULT}. */
        public Builder task(String id, List<String> dependsOn, Task body) {
            return task(id, dependsOn, Retry.DEFAULT, body);
        }

        /**
         * Adds a task that runs once every task of {@code dependsOn} (ids of this workflow's tasks) has ended.
         * Its input is its dependencies' outputs merged, later dependencies winning on equal keys; a root
         * task gets the context the execution started with.
         *
         * @throws NullPointerException     if an argument is null
         * @throws IllegalArgumentException if {@code id} is blank, contains "::" or is taken
         */
        public Builder task(String id, List<String> dependsOn, Retry retry, Task body) {
            checkName("id", id);
            Objects.requireNonNull(dependsOn, "dependsOn");
            dependsOn.forEach(d -> Objects.requireNonNull(d, "dependsOn element"));
            Objects.requireNonNull(retry, "retry");
            Objects.requireNonNull(body, "body");
            try {
                builder.task(id, dependsOn, policy(retry), TaskBodies.of(id, body));
            } catch (InvalidWorkflowException e) {
                throw new IllegalArgumentException(describe(e.problem()), e);
            } catch (CloacaException e) {
                throw Errors.translate(e);
            }
            ids.add(id);
            return this;
        }

        /**
         * Checks the graph and builds the workflow.
         *
         * @throws IllegalArgumentException for no task, a dependency on a task that is not part of the
         *                                  workflow, or a cycle (the message names the tasks by their ids)
         */
        public Workflow build() {
            try {
                return new Workflow(builder.build());
            } catch (InvalidWorkflowException e) {
                throw new IllegalArgumentException(describe(e.problem()), e);
            } catch (CloacaException e) {
                throw Errors.translate(e);
            }
        }

        /** The problem in the ids this builder was given; the engine's message names full namespaces. */
        private String describe(InvalidWorkflowException.Problem problem) {
            String where = "Workflow '" + name + "': ";
            if (problem instanceof InvalidWorkflowException.Problem.DuplicateTask d) {
                return where + "task id '" + d.task().task() + "' is already taken; each task needs an id of its own";
            }
            if (problem instanceof InvalidWorkflowException.Problem.MissingDependency m) {
                return where + "task '" + m.task().task() + "' depends on '" + m.dependency().task()
                        + "', which is not one of its tasks " + ids;
            }
            if (problem instanceof InvalidWorkflowException.Problem.Cycle c) {
                return where + "its tasks depend on each other in a cycle: "
                        + String.join(" -> ", c.path().stream().map(TaskNamespace::task).toList());
            }
            if (problem instanceof InvalidWorkflowException.Problem.Empty) {
                return where + "it has no task; add one with task(...) before build()";
            }
            return where + problem.upstreamMessage();
        }

        private static RetryPolicy policy(Retry retry) {
            BackoffStrategy backoff = retry.exponential() ? new BackoffStrategy.Exponential(2.0, 1.0)
                    : new BackoffStrategy.Fixed();
            return new RetryPolicy(retry.maxAttempts(), backoff, retry.initialDelay(), retry.maxDelay(),
                    retry.exponential(), new RetryCondition.AllErrors());
        }
    }
}
