package io.cloaca.engine.workflow;

import io.cloaca.engine.CloacaException;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A workflow definition that is not a valid graph. The message is upstream's wording, with full task
 * namespaces, which the Python face shows as it is; the {@link #problem()} carries the same facts as
 * values, so that the Java API can word them with the task ids its callers wrote.
 */
public final class InvalidWorkflowException extends CloacaException {

    /** What is wrong with the graph. */
    public sealed interface Problem {

        /** The problem in upstream's words. */
        String upstreamMessage();

        /** No task at all. */
        record Empty() implements Problem {
            @Override
            public String upstreamMessage() {
                return "Workflow cannot be empty";
            }
        }

        /** Two tasks with one namespace. */
        record DuplicateTask(TaskNamespace task) implements Problem {
            @Override
            public String upstreamMessage() {
                return "Duplicate task: " + task;
            }
        }

        /** {@code task} depends on {@code dependency}, which is not part of the workflow. */
        record MissingDependency(TaskNamespace task, TaskNamespace dependency) implements Problem {
            @Override
            public String upstreamMessage() {
                return "Missing dependency: task '" + task + "' depends on '" + dependency + "' which is not registered";
            }
        }

        /** Tasks that depend on each other: a path whose first task is repeated at its end. */
        record Cycle(List<TaskNamespace> path) implements Problem {
            public Cycle {
                path = List.copyOf(path);
            }

            @Override
            public String upstreamMessage() {
                return "Circular dependency detected: "
                        + path.stream().map(ns -> "\"" + ns + "\"").collect(Collectors.joining(", ", "[", "]"));
            }
        }
    }

    private final transient Problem problem;

    public InvalidWorkflowException(Problem problem) {
        super(Kind.INVALID_WORKFLOW, problem.upstreamMessage());
        this.problem = problem;
    }

    /** What is wrong, as values. */
    public Problem problem() {
        return problem;
    }
}
