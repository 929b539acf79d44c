package io.cloaca.engine.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.context.ContextMerge;
import io.cloaca.engine.workflow.TaskDefinition;
import io.cloaca.engine.workflow.TaskNamespace;
import io.cloaca.engine.workflow.TriggerRule;
import io.cloaca.engine.workflow.Workflow;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an execution does next, decided from its workflow and its task rows alone, with no database:
 * which waiting tasks become Ready, which of them the finishing worker claims, which end Skipped
 * because their trigger rule is false, and whether the execution has ended and how.
 *
 * <p>The store reads the rows, asks {@link #decide}, and writes what it says in the same transaction
 * (see {@code Propagation}); keeping the rules here lets them be tested case by case without SQL.
 */
public final class ExecutionProgress {

    private ExecutionProgress() {
    }

    /**
     * A task row as the decision needs it.
     *
     * @param status      null for a status this engine does not know (a foreign or corrupt row): never
     *                    terminal, so nothing waiting on it moves and the execution does not end
     * @param completedAt when it ended, or null
     */
    public record Row(String id, TaskStatus status, Long completedAt) {
    }

    /**
     * Where the decision reads contexts, only when a rule or a skip needs one (most steps read none).
     */
    public interface Contexts {
        /** The execution's input, which a root task receives. */
        ObjectNode initial();

        /** The stored output JSON of each of the named tasks that has one (Completed or Skipped). */
        Map<String, String> outputs(List<String> taskNames);
    }

    /** A task that ends Skipped: {@code reason} is its error, {@code output} the input it would have had. */
    public record Skip(String taskName, String reason, ObjectNode output) {
    }

    /**
     * The end of an execution.
     *
     * @param error            null when it completed
     * @param finalContextTask the task whose output is the final context, or null for the initial context
     */
    public record Ending(ExecutionStatus status, String error, String finalContextTask) {
    }

    /**
     * What to write.
     *
     * @param skipped tasks to end Skipped, in topological order
     * @param claim   the task the finishing worker takes straight from NotStarted, or null
     * @param ready   tasks to make Ready, in topological order (the claimed one not among them)
     * @param ending  the execution's end, or null while any task is not terminal
     */
    public record Decision(List<Skip> skipped, String claim, List<String> ready, Ending ending) {
    }

    /**
     * Decides the next step. A NotStarted task moves once every dependency is terminal (a dependency
     * without a row counts as ended); it then runs if its trigger rule holds and is Skipped otherwise,
     * and a skip is seen at once by the tasks after it. The execution ends when every row is terminal:
     * Failed if any task failed, else Completed (Skipped tasks fail nothing).
     *
     * @param rows          the execution's task rows by task name; not changed
     * @param claimOne      whether the finishing worker takes the first task that becomes ready
     * @param justCompleted the task whose success is being recorded, whose output is then the final
     *                      context; null when none (a failure, a creation, an abandoned task)
     */
    public static Decision decide(Workflow workflow, Map<String, Row> rows, Contexts contexts, boolean claimOne,
                                  String justCompleted) {
        Map<String, TaskStatus> status = new HashMap<>();
        rows.forEach((name, row) -> status.put(name, row.status()));
        Map<String, ObjectNode> skippedOutputs = new HashMap<>();
        List<Skip> skipped = new ArrayList<>();
        List<String> ready = new ArrayList<>();
        String claim = null;
        for (TaskNamespace ns : workflow.topologicalOrder()) {
            String name = ns.toString();
            if (!rows.containsKey(name) || status.get(name) != TaskStatus.NotStarted) {
                continue;
            }
            TaskDefinition task = workflow.task(ns);
            boolean depsDone = task.dependencies().stream().map(TaskNamespace::toString)
                    .allMatch(d -> !rows.containsKey(d) || (status.get(d) != null && status.get(d).isTerminal()));
            if (!depsDone) {
                continue;
            }
            Skip skip = skip(task, status, skippedOutputs, contexts);
            if (skip != null) {
                skipped.add(skip);
                skippedOutputs.put(name, skip.output());
                status.put(name, TaskStatus.Skipped);
            } else if (claimOne && claim == null) {
                claim = name;
                status.put(name, TaskStatus.Running);
            } else {
                ready.add(name);
                status.put(name, TaskStatus.Ready);
            }
        }
        Ending ending = status.values().stream().allMatch(s -> s != null && s.isTerminal())
                ? ending(rows, status, justCompleted) : null;
        return new Decision(skipped, claim, ready, ending);
    }

    /** The task's Skip when its rule is false, else null; the context is read only when needed. */
    private static Skip skip(TaskDefinition task, Map<String, TaskStatus> status, Map<String, ObjectNode> skippedOutputs,
                             Contexts contexts) {
        TriggerRule rule = task.triggerRule();
        if (rule instanceof TriggerRule.Always) {
            return null;
        }
        ObjectNode input = rule.needsContext() ? input(task, status, skippedOutputs, contexts) : null;
        TriggerRule.Facts facts = new TriggerRule.Facts(name -> {
            TaskStatus s = status.get(name);
            return s == null ? null : s.name();
        }, input);
        if (rule.evaluate(facts)) {
            return null;
        }
        return new Skip(task.namespace().toString(), "skipped: " + rule.whyFalse(facts),
                input != null ? input : input(task, status, skippedOutputs, contexts));
    }

    /**
     * A task's input as the worker builds it: the initial context for a root, else the outputs of its
     * Completed or Skipped dependencies merged in their order.
     */
    private static ObjectNode input(TaskDefinition task, Map<String, TaskStatus> status,
                                    Map<String, ObjectNode> skippedOutputs, Contexts contexts) {
        if (task.dependencies().isEmpty()) {
            return contexts.initial();
        }
        List<String> names = task.dependencies().stream().map(TaskNamespace::toString)
                .filter(d -> status.get(d) == TaskStatus.Completed || status.get(d) == TaskStatus.Skipped).toList();
        List<String> stored = names.stream().filter(d -> !skippedOutputs.containsKey(d)).toList();
        Map<String, String> outputs = stored.isEmpty() ? Map.of() : contexts.outputs(stored);
        Map<String, ObjectNode> byName = new LinkedHashMap<>(skippedOutputs);
        outputs.forEach((name, json) -> {
            if (json != null) {
                byName.put(name, Context.parseObject(json));
            }
        });
        return merge(names, byName);
    }

    /** The outputs of {@code names} that exist, merged in that order (see {@link ContextMerge}). */
    static ObjectNode merge(List<String> names, Map<String, ObjectNode> outputs) {
        return ContextMerge.merge(names.stream().filter(outputs::containsKey).map(outputs::get).toList());
    }

    private static Ending ending(Map<String, Row> rows, Map<String, TaskStatus> status, String justCompleted) {
        long failed = count(status, TaskStatus.Failed);
        if (failed == 0) {
            return new Ending(ExecutionStatus.Completed, null, finalContextTask(rows, justCompleted));
        }
        String error = failed + " task(s) failed, " + count(status, TaskStatus.Completed) + " completed, "
                + count(status, TaskStatus.Skipped) + " skipped";
        return new Ending(ExecutionStatus.Failed, error, finalContextTask(rows, justCompleted));
    }

    private static long count(Map<String, TaskStatus> status, TaskStatus wanted) {
        return status.values().stream().filter(s -> s == wanted).count();
    }

    private static String finalContextTask(Map<String, Row> rows, String justCompleted) {
        return justCompleted != null ? justCompleted : latestCompleted(rows);
    }

    /**
     * The Completed task that ended last (ties: the greatest name), whose output is the context of an
     * execution that ends without a task completing at that moment; null when none completed.
     */
    public static String latestCompleted(Map<String, Row> rows) {
        return rows.entrySet().stream()
                .filter(e -> e.getValue().status() == TaskStatus.Completed)
                .max(Comparator.comparing((Map.Entry<String, Row> e) -> e.getValue().completedAt(),
                                Comparator.nullsFirst(Comparator.naturalOrder()))
                        .thenComparing(Map.Entry::getKey))
                .map(Map.Entry::getKey).orElse(null);
    }
}
