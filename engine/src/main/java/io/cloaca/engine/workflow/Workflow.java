package io.cloaca.engine.workflow;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.retry.RetryPolicy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A validated DAG of tasks, immutable. Built with {@link #builder(String)}; {@link Builder#build()}
 * rejects an empty workflow, a dependency on a task that is not part of it, and a cycle.
 *
 * <pre>{@code
 * Workflow wf = Workflow.builder("etl")
 *     .task("extract", ctx -> ctx.set("rows", 3))
 *     .task("load", List.of("extract"), ctx -> ctx.set("loaded", true))
 *     .build();
 * }</pre>
 */
public final class Workflow {

    private final String name;
    private final String description;
    private final SortedMap<String, String> tags;
    private final Map<TaskNamespace, TaskDefinition> tasks;
    private final List<TaskNamespace> topologicalOrder;
    /** Each task's dependents in topological order: every task finish asks, so it is worked out once. */
    private final Map<TaskNamespace, List<TaskNamespace>> dependents;
    private final String version;

    private Workflow(String name, String description, SortedMap<String, String> tags,
                     Map<TaskNamespace, TaskDefinition> tasks) {
        this.name = name;
        this.description = description;
        this.tags = tags;
        this.tasks = tasks;
        this.topologicalOrder = Dag.topologicalOrder(tasks.values());
        Map<TaskNamespace, List<TaskNamespace>> dependents = new java.util.HashMap<>();
        for (TaskNamespace ns : topologicalOrder) {
            for (TaskNamespace dependency : tasks.get(ns).dependencies()) {
                List<TaskNamespace> list = dependents.computeIfAbsent(dependency, d -> new java.util.ArrayList<>());
                if (!list.contains(ns)) { // a dependency listed twice makes one dependent
                    list.add(ns);
                }
            }
        }
        dependents.replaceAll((ns, list) -> List.copyOf(list));
        this.dependents = Map.copyOf(dependents);
        this.version = computeVersion();
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    public String description() {
        return description;
    }

    public Map<String, String> tags() {
        return tags;
    }

    /** 16 lowercase hex digits, a hash of the tasks, their dependencies, the name, description and tags. */
    public String version() {
        return version;
    }

    /** Tasks in insertion order. */
    public Collection<TaskDefinition> tasks() {
        return tasks.values();
    }

    public TaskDefinition task(TaskNamespace namespace) {
        TaskDefinition task = tasks.get(namespace);
        if (task == null) {
            throw CloacaException.notFound("Task '" + namespace + "' is not part of workflow '" + name + "'");
        }
        return task;
    }

    public boolean hasTask(TaskNamespace namespace) {
        return tasks.containsKey(namespace);
    }

    /** Dependencies first. */
    public List<TaskNamespace> topologicalOrder() {
        return topologicalOrder;
    }

    /** Tasks grouped in waves: every task's dependencies are in earlier waves. */
    public List<List<TaskNamespace>> executionLevels() {
        return Dag.levels(tasks.values(), topologicalOrder);
    }

    public List<TaskNamespace> roots() {
        return topologicalOrder.stream().filter(ns -> tasks.get(ns).dependencies().isEmpty()).toList();
    }

    public List<TaskNamespace> leaves() {
        var depended = tasks.values().stream().flatMap(t -> t.dependencies().stream()).collect(Collectors.toSet());
        return topologicalOrder.stream().filter(ns -> !depended.contains(ns)).toList();
    }

    /** Tasks that list {@code namespace} among their dependencies. */
    public List<TaskNamespace> dependents(TaskNamespace namespace) {
        return dependents.getOrDefault(namespace, List.of());
    }

    private String computeVersion() {
        // Every free-form string is JSON-quoted, so no two different inputs share a canonical form.
        StringBuilder canonical = new StringBuilder();
        canonical.append("name=").append(quote(name)).append('\n');
        canonical.append("description=").append(quote(description)).append('\n');
        tags.forEach((k, v) -> canonical.append("tag=").append(quote(k)).append('=').append(quote(v)).append('\n'));
        tasks.values().stream()
                .sorted((a, b) -> a.namespace().toString().compareTo(b.namespace().toString()))
                .forEach(t -> canonical.append("task=").append(quote(t.namespace().toString())).append(" deps=")
                        .append(t.dependencies().stream().map(d -> quote(d.toString())).sorted().toList())
                        // Only a real rule is hashed, so workflows without rules keep the versions they had.
                        .append(t.triggerRule() instanceof TriggerRule.Always ? "" : " rule=" + t.triggerRule().toJson())
                        .append('\n'));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    private static String quote(String s) {
        return com.fasterxml.jackson.databind.node.TextNode.valueOf(s).toString();
    }

    @Override
    public String toString() {
        return "Workflow(name='" + name + "', tasks=" + tasks.size() + ")";
    }

    /** Collects tasks, then validates once in {@link #build()}. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private String description = "";
        private final SortedMap<String, String> tags = new TreeMap<>();
        private final Map<TaskNamespace, TaskDefinition> tasks = new LinkedHashMap<>();

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        public Builder description(String description) {
            this.description = description == null ? "" : description;
            return this;
        }

        public Builder tag(String key, String value) {
            tags.put(key, value);
            return this;
        }

        /**
         * Adds a task.
         *
         * @throws InvalidWorkflowException "Duplicate task: ns" when the namespace is taken
         */
        public Builder add(TaskDefinition task) {
            if (tasks.containsKey(task.namespace())) {
                throw new InvalidWorkflowException(new InvalidWorkflowException.Problem.DuplicateTask(task.namespace()));
            }
            tasks.put(task.namespace(), task);
            return this;
        }

        /** Adds a root task in the embedded namespace of this workflow, with upstream's default retry policy. */
        public Builder task(String id, TaskBody body) {
            return task(id, List.of(), RetryPolicy.DEFAULT, body);
        }

        /** Adds a task depending on tasks of this workflow by id. */
        public Builder task(String id, List<String> dependencies, TaskBody body) {
            return task(id, dependencies, RetryPolicy.DEFAULT, body);
        }

        public Builder task(String id, List<String> dependencies, RetryPolicy retryPolicy, TaskBody body) {
            return task(id, dependencies, retryPolicy, TriggerRule.ALWAYS, body);
        }

        /**
         * Adds a task that runs only when {@code rule} holds once its dependencies have ended, and otherwise
         * ends Skipped; task names in the rule are ids of this workflow's tasks.
         */
        public Builder task(String id, List<String> dependencies, RetryPolicy retryPolicy, TriggerRule rule,
                            TaskBody body) {
            List<TaskNamespace> deps = new ArrayList<>();
            dependencies.forEach(d -> deps.add(TaskNamespace.embedded(name, d)));
            return add(new TaskDefinition(TaskNamespace.embedded(name, id), deps, retryPolicy, body, rule));
        }

        /**
         * Validates and builds.
         *
         * @throws InvalidWorkflowException with upstream's messages: "Workflow cannot be empty",
         *     "Missing dependency: ...", "Circular dependency detected: [...]"
         */
        public Workflow build() {
            Dag.validate(tasks);
            Map<TaskNamespace, TaskDefinition> resolved = new LinkedHashMap<>();
            tasks.forEach((ns, task) -> resolved.put(ns, task.withTriggerRule(resolveRule(task))));
            return new Workflow(name, description, new TreeMap<>(tags), resolved);
        }

        /**
         * Resolves short task names in the rule to this workflow's tasks (upstream looked them up as written,
         * so only full namespaces ever matched) and requires each to be an ancestor: a rule is evaluated once
         * the task's dependencies have ended, and only an ancestor's outcome is settled by then.
         */
        private TriggerRule resolveRule(TaskDefinition task) {
            TriggerRule rule = task.triggerRule().resolve(task.namespace());
            Set<TaskNamespace> ancestors = new HashSet<>();
            Deque<TaskNamespace> todo = new ArrayDeque<>(task.dependencies());
            while (!todo.isEmpty()) {
                TaskNamespace dep = todo.pop();
                if (ancestors.add(dep)) {
                    todo.addAll(tasks.get(dep).dependencies());
                }
            }
            for (String referenced : rule.referencedTasks()) {
                TaskNamespace ref = TaskNamespace.parse(referenced);
                if (!ancestors.contains(ref)) {
                    throw new CloacaException(CloacaException.Kind.INVALID_WORKFLOW, "Trigger rule of task '"
                            + task.namespace() + "' refers to task '" + ref + "', which "
                            + (tasks.containsKey(ref) ? "is not one of its dependencies (direct or indirect)"
                            : "is not part of workflow '" + name + "'")
                            + ": a rule can only look at tasks that have ended before it is evaluated");
                }
            }
            return rule;
        }
    }
}
