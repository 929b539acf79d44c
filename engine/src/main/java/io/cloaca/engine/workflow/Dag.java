package io.cloaca.engine.workflow;

import io.cloaca.engine.CloacaException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Graph checks and orderings over task definitions; messages follow upstream's wording. */
final class Dag {

    private Dag() {
    }

    static void validate(Map<TaskNamespace, TaskDefinition> tasks) {
        if (tasks.isEmpty()) {
            throw new InvalidWorkflowException(new InvalidWorkflowException.Problem.Empty());
        }
        for (TaskDefinition task : tasks.values()) {
            for (TaskNamespace dep : task.dependencies()) {
                if (!tasks.containsKey(dep)) {
                    throw new InvalidWorkflowException(
                            new InvalidWorkflowException.Problem.MissingDependency(task.namespace(), dep));
                }
            }
        }
        List<TaskNamespace> cycle = findCycle(tasks);
        if (cycle != null) {
            throw new InvalidWorkflowException(new InvalidWorkflowException.Problem.Cycle(cycle));
        }
    }

    /** Kahn's algorithm, stable with respect to insertion order. */
    static List<TaskNamespace> topologicalOrder(Collection<TaskDefinition> tasks) {
        Map<TaskNamespace, Integer> pending = new LinkedHashMap<>();
        Map<TaskNamespace, List<TaskNamespace>> dependents = new HashMap<>();
        for (TaskDefinition t : tasks) {
            pending.put(t.namespace(), t.dependencies().size());
            for (TaskNamespace d : t.dependencies()) {
                dependents.computeIfAbsent(d, k -> new ArrayList<>()).add(t.namespace());
            }
        }
        List<TaskNamespace> order = new ArrayList<>();
        Deque<TaskNamespace> ready = new ArrayDeque<>();
        pending.forEach((ns, n) -> {
            if (n == 0) {
                ready.add(ns);
            }
        });
        while (!ready.isEmpty()) {
            TaskNamespace ns = ready.poll();
            order.add(ns);
            for (TaskNamespace dependent : dependents.getOrDefault(ns, List.of())) {
                if (pending.merge(dependent, -1, Integer::sum) == 0) {
                    ready.add(dependent);
                }
            }
        }
        if (order.size() != pending.size()) {
            throw invalid("Circular dependency detected among " + pending.size() + " tasks");
        }
        return List.copyOf(order);
    }

    static List<List<TaskNamespace>> levels(Collection<TaskDefinition> tasks, List<TaskNamespace> order) {
        Map<TaskNamespace, TaskDefinition> byNs = new HashMap<>();
        tasks.forEach(t -> byNs.put(t.namespace(), t));
        Map<TaskNamespace, Integer> level = new HashMap<>();
        List<List<TaskNamespace>> levels = new ArrayList<>();
        for (TaskNamespace ns : order) {
            int l = byNs.get(ns).dependencies().stream().mapToInt(d -> level.get(d) + 1).max().orElse(0);
            level.put(ns, l);
            while (levels.size() <= l) {
                levels.add(new ArrayList<>());
            }
            levels.get(l).add(ns);
        }
        return levels.stream().map(List::copyOf).toList();
    }

    /** A cycle as a path whose first node is repeated at the end, or null. */
    private static List<TaskNamespace> findCycle(Map<TaskNamespace, TaskDefinition> tasks) {
        Set<TaskNamespace> done = new HashSet<>();
        for (TaskNamespace start : tasks.keySet()) {
            List<TaskNamespace> path = new ArrayList<>();
            List<TaskNamespace> cycle = visit(start, tasks, done, new HashSet<>(), path);
            if (cycle != null) {
                return cycle;
            }
        }
        return null;
    }

    private static List<TaskNamespace> visit(TaskNamespace ns, Map<TaskNamespace, TaskDefinition> tasks,
                                             Set<TaskNamespace> done, Set<TaskNamespace> onPath,
                                             List<TaskNamespace> path) {
        if (done.contains(ns)) {
            return null;
        }
        if (onPath.contains(ns)) {
            List<TaskNamespace> cycle = new ArrayList<>(path.subList(path.indexOf(ns), path.size()));
            cycle.add(ns);
            return cycle;
        }
        onPath.add(ns);
        path.add(ns);
        for (TaskNamespace dep : tasks.get(ns).dependencies()) {
            List<TaskNamespace> cycle = visit(dep, tasks, done, onPath, path);
            if (cycle != null) {
                return cycle;
            }
        }
        path.remove(path.size() - 1);
        onPath.remove(ns);
        done.add(ns);
        return null;
    }

    private static CloacaException invalid(String message) {
        return new CloacaException(CloacaException.Kind.INVALID_WORKFLOW, message);
    }
}
