package io.cloaca.engine.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloaca.engine.CloacaException;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * When a task whose dependencies have all ended runs, or ends {@code Skipped} without running
 * (upstream's trigger rules, cloaca-api.md §2.6). Conditions nest freely: {@code All}/{@code Any}/
 * {@code NoneOf} take any rules, a bare condition is a rule of its own.
 *
 * <p>The JSON form is upstream's serde form: {@code {"type":"All","conditions":[...]}},
 * {@code {"type":"TaskSuccess","task_name":"x"}}, {@code {"type":"ContextValue","key":"k",
 * "operator":"Equals","value":1}}.
 *
 * <pre>{@code
 * TriggerRule rule = TriggerRule.allOf(TriggerRule.taskFailed("load"),
 *         TriggerRule.contextValue("mode", Operator.EQUALS, TextNode.valueOf("strict")));
 * }</pre>
 */
public sealed interface TriggerRule {

    /** What a rule is evaluated against: the statuses of the execution's tasks and the task's input. */
    record Facts(Function<String, String> statusOf, ObjectNode context) {
    }

    /** Whether the task runs. */
    boolean evaluate(Facts facts);

    /** The rule as it would be written in Python, e.g. {@code context_value('mode', '==', 'strict')}. */
    String describe();

    /** Upstream's serde form. */
    JsonNode toJson();

    /** The same rule with every task name resolved to a full namespace string, relative to {@code owner}. */
    TriggerRule resolve(TaskNamespace owner);

    /** Task names (as written) the rule looks at. */
    default Set<String> referencedTasks() {
        return Set.of();
    }

    /** Whether evaluating needs the task's input context (a {@code ContextValue} somewhere). */
    default boolean needsContext() {
        return false;
    }

    /** The part of this rule that made it false, for the skipped task's reason; the whole rule by default. */
    default String whyFalse(Facts facts) {
        return describe() + " was false";
    }

    Always ALWAYS = new Always();

    static TriggerRule allOf(TriggerRule... rules) {
        return new All(List.of(rules));
    }

    static TriggerRule anyOf(TriggerRule... rules) {
        return new Any(List.of(rules));
    }

    static TriggerRule noneOf(TriggerRule... rules) {
        return new NoneOf(List.of(rules));
    }

    static TriggerRule taskSuccess(String task) {
        return new TaskSuccess(task);
    }

    static TriggerRule taskFailed(String task) {
        return new TaskFailed(task);
    }

    static TriggerRule taskSkipped(String task) {
        return new TaskSkipped(task);
    }

    static TriggerRule contextValue(String key, Operator operator, JsonNode value) {
        return new ContextValue(key, operator, value);
    }

    /** The default: run once the dependencies have ended, whatever their outcome. */
    record Always() implements TriggerRule {
        public boolean evaluate(Facts facts) {
            return true;
        }

        public String describe() {
            return "always()";
        }

        public JsonNode toJson() {
            return JsonNodeFactory.instance.objectNode().put("type", "Always");
        }

        public TriggerRule resolve(TaskNamespace owner) {
            return this;
        }
    }

    /** True when every rule is (so when there is none). */
    record All(List<TriggerRule> conditions) implements TriggerRule {
        public All {
            conditions = List.copyOf(conditions);
        }

        public boolean evaluate(Facts facts) {
            return conditions.stream().allMatch(r -> r.evaluate(facts));
        }

        public String whyFalse(Facts facts) {
            return conditions.stream().filter(r -> !r.evaluate(facts)).findFirst()
                    .map(r -> r.whyFalse(facts)).orElse(describe() + " was false");
        }

        public String describe() {
            return Composite.describe("all_of", conditions);
        }

        public JsonNode toJson() {
            return Composite.json("All", conditions);
        }

        public TriggerRule resolve(TaskNamespace owner) {
            return new All(Composite.resolve(conditions, owner));
        }

        public Set<String> referencedTasks() {
            return Composite.referenced(conditions);
        }

        public boolean needsContext() {
            return conditions.stream().anyMatch(TriggerRule::needsContext);
        }
    }

    /** True when at least one rule is (so never when there is none). */
    record Any(List<TriggerRule> conditions) implements TriggerRule {
        public Any {
            conditions = List.copyOf(conditions);
        }

        public boolean evaluate(Facts facts) {
            return conditions.stream().anyMatch(r -> r.evaluate(facts));
        }

        public String describe() {
            return Composite.describe("any_of", conditions);
        }

        public JsonNode toJson() {
            return Composite.json("Any", conditions);
        }

        public TriggerRule resolve(TaskNamespace owner) {
            return new Any(Composite.resolve(conditions, owner));
        }

        public Set<String> referencedTasks() {
            return Composite.referenced(conditions);
        }

        public boolean needsContext() {
            return conditions.stream().anyMatch(TriggerRule::needsContext);
        }
    }

    /** True when no rule is (upstream's {@code None}). */
    record NoneOf(List<TriggerRule> conditions) implements TriggerRule {
        public NoneOf {
            conditions = List.copyOf(conditions);
        }

        public boolean evaluate(Facts facts) {
            return conditions.stream().noneMatch(r -> r.evaluate(facts));
        }

        public String whyFalse(Facts facts) {
            return conditions.stream().filter(r -> r.evaluate(facts)).findFirst()
                    .map(r -> r.describe() + " was true").orElse(describe() + " was false");
        }

        public String describe() {
            return Composite.describe("none_of", conditions);
        }

        public JsonNode toJson() {
            return Composite.json("None", conditions);
        }

        public TriggerRule resolve(TaskNamespace owner) {
            return new NoneOf(Composite.resolve(conditions, owner));
        }

        public Set<String> referencedTasks() {
            return Composite.referenced(conditions);
        }

        public boolean needsContext() {
            return conditions.stream().anyMatch(TriggerRule::needsContext);
        }
    }

    /** The named task ended {@code Completed}. */
    record TaskSuccess(String taskName) implements TriggerRule {
        public TaskSuccess {
            Objects.requireNonNull(taskName, "taskName");
        }

        public boolean evaluate(Facts facts) {
            return "Completed".equals(facts.statusOf().apply(taskName));
        }

        public String describe() {
            return "task_success(" + Composite.quote(Composite.shortName(taskName)) + ")";
        }

        public JsonNode toJson() {
            return Composite.taskJson("TaskSuccess", taskName);
        }

        public TriggerRule resolve(TaskNamespace owner) {
            return new TaskSuccess(Composite.resolveName(taskName, owner));
        }

        public Set<String> referencedTasks() {
            return Set.of(taskName);
        }
    }

    /** The named task ended {@code Failed}. */
    record TaskFailed(String taskName) implements TriggerRule {
        public TaskFailed {
            Objects.requireNonNull(taskName, "taskName");
        }

        public boolean evaluate(Facts facts) {
            return "Failed".equals(facts.statusOf().apply(taskName));
        }

        public String describe() {
            return "task_failed(" + Composite.quote(Composite.shortName(taskName)) + ")";
        }

        public JsonNode toJson() {
            return Composite.taskJson("TaskFailed", taskName);
        }

        public TriggerRule resolve(TaskNamespace owner) {
            return new TaskFailed(Composite.resolveName(taskName, owner));
        }

        public Set<String> referencedTasks() {
            return Set.of(taskName);
        }
    }

    /** The named task ended {@code Skipped}. */
    record TaskSkipped(String taskName) implements TriggerRule {
        public TaskSkipped {
            Objects.requireNonNull(taskName, "taskName");
        }

        public boolean evaluate(Facts facts) {
            return "Skipped".equals(facts.statusOf().apply(taskName));
        }

        public String describe() {
            return "task_skipped(" + Composite.quote(Composite.shortName(taskName)) + ")";
        }

        public JsonNode toJson() {
            return Composite.taskJson("TaskSkipped", taskName);
        }

        public TriggerRule resolve(TaskNamespace owner) {
            return new TaskSkipped(Composite.resolveName(taskName, owner));
        }

        public Set<String> referencedTasks() {
            return Set.of(taskName);
        }
    }

    /** A test of one top-level key of the task's input context. */
    record ContextValue(String key, Operator operator, JsonNode value) implements TriggerRule {
        public ContextValue {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(operator, "operator");
            value = value == null ? NullNode.instance : value;
        }

        public boolean evaluate(Facts facts) {
            return operator.test(facts.context().get(key), value);
        }

        public String describe() {
            String args = Composite.quote(key) + ", " + Composite.quote(operator.symbol);
            return "context_value(" + args + (operator.takesValue() ? ", " + Composite.pythonic(value) : "") + ")";
        }

        public JsonNode toJson() {
            ObjectNode node = JsonNodeFactory.instance.objectNode().put("type", "ContextValue").put("key", key)
                    .put("operator", operator.jsonName);
            node.set("value", value);
            return node;
        }

        public TriggerRule resolve(TaskNamespace owner) {
            return this;
        }

        public boolean needsContext() {
            return true;
        }
    }

    /** Upstream's operators; {@link #parse} accepts each one's spellings, case-insensitively, ignoring {@code _}. */
    enum Operator {
        EQUALS("Equals", "==", "eq"),
        NOT_EQUALS("NotEquals", "!=", "ne"),
        GREATER_THAN("GreaterThan", ">", "gt"),
        LESS_THAN("LessThan", "<", "lt"),
        CONTAINS("Contains", "contains"),
        NOT_CONTAINS("NotContains", "not_contains"),
        EXISTS("Exists", "exists"),
        NOT_EXISTS("NotExists", "not_exists");

        /** The serde name, e.g. {@code NotEquals}. */
        public final String jsonName;
        /** The shortest spelling, used when describing a rule. */
        public final String symbol;
        private final List<String> spellings;

        Operator(String jsonName, String... spellings) {
            this.jsonName = jsonName;
            this.symbol = spellings[0];
            List<String> all = new ArrayList<>(List.of(spellings));
            all.add(jsonName);
            this.spellings = all.stream().map(Operator::normalise).toList();
        }

        private static String normalise(String s) {
            return s.replace("_", "").toLowerCase(Locale.ROOT);
        }

        /**
         * @throws CloacaException INVALID_ARGUMENT naming the operator and the accepted spellings
         */
        public static Operator parse(String text) {
            String wanted = normalise(text);
            for (Operator op : values()) {
                if (op.spellings.contains(wanted)) {
                    return op;
                }
            }
            throw CloacaException.invalidArgument("Unknown operator '" + text + "': expected one of equals (==, eq),"
                    + " not_equals (!=, ne), greater_than (>, gt), less_than (<, lt), contains, not_contains, exists,"
                    + " not_exists");
        }

        boolean takesValue() {
            return this != EXISTS && this != NOT_EXISTS;
        }

        /** @param actual the context's value, null when the key is absent */
        boolean test(JsonNode actual, JsonNode expected) {
            return switch (this) {
                case EXISTS -> actual != null;
                case NOT_EXISTS -> actual == null;
                case EQUALS -> actual != null && same(actual, expected);
                case NOT_EQUALS -> actual == null || !same(actual, expected);
                // Numeric comparisons apply only when both sides are numbers (upstream).
                case GREATER_THAN -> actual != null && actual.isNumber() && expected.isNumber()
                        && actual.decimalValue().compareTo(expected.decimalValue()) > 0;
                case LESS_THAN -> actual != null && actual.isNumber() && expected.isNumber()
                        && actual.decimalValue().compareTo(expected.decimalValue()) < 0;
                case CONTAINS -> contains(actual, expected);
                case NOT_CONTAINS -> !contains(actual, expected);
            };
        }

        private static boolean same(JsonNode a, JsonNode b) {
            // 1 and 1.0 are equal: Python hands over ints and floats, JSON does not tell them apart.
            if (a.isNumber() && b.isNumber()) {
                return a.decimalValue().compareTo(b.decimalValue()) == 0;
            }
            return a.equals(b);
        }

        private static boolean contains(JsonNode actual, JsonNode expected) {
            if (actual == null) {
                return false;
            }
            if (actual.isTextual()) {
                return expected.isTextual() && actual.asText().contains(expected.asText());
            }
            if (actual.isArray()) {
                for (JsonNode element : actual) {
                    if (same(element, expected)) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    /**
     * Reads upstream's serde form.
     *
     * @throws CloacaException INVALID_ARGUMENT naming the part that is not a rule
     */
    static TriggerRule fromJson(JsonNode node) {
        if (node == null || !node.isObject() || !node.path("type").isTextual()) {
            throw CloacaException.invalidArgument("not a rule dict (expected {'type': ...} as built by"
                    + " cloaca.all_of/any_of/none_of/always/task_success/task_failed/task_skipped/context_value): "
                    + node);
        }
        String type = node.get("type").asText();
        return switch (type) {
            case "Always" -> ALWAYS;
            case "All" -> new All(Composite.children(node));
            case "Any" -> new Any(Composite.children(node));
            case "None" -> new NoneOf(Composite.children(node));
            case "TaskSuccess" -> new TaskSuccess(Composite.taskName(node));
            case "TaskFailed" -> new TaskFailed(Composite.taskName(node));
            case "TaskSkipped" -> new TaskSkipped(Composite.taskName(node));
            case "ContextValue" -> {
                if (!node.path("key").isTextual() || !node.path("operator").isTextual()) {
                    throw CloacaException.invalidArgument("ContextValue needs a string 'key' and 'operator': " + node);
                }
                yield new ContextValue(node.get("key").asText(), Operator.parse(node.get("operator").asText()),
                        node.get("value"));
            }
            default -> throw CloacaException.invalidArgument("unknown rule type '" + type + "': expected one of"
                    + " Always, All, Any, None, TaskSuccess, TaskFailed, TaskSkipped, ContextValue");
        };
    }

    /** Helpers shared by the records. */
    final class Composite {
        private Composite() {
        }

        static String describe(String name, List<TriggerRule> conditions) {
            return name + "(" + conditions.stream().map(TriggerRule::describe).collect(Collectors.joining(", ")) + ")";
        }

        static JsonNode json(String type, List<TriggerRule> conditions) {
            ObjectNode node = JsonNodeFactory.instance.objectNode().put("type", type);
            ArrayNode array = node.putArray("conditions");
            conditions.forEach(r -> array.add(r.toJson()));
            return node;
        }

        static JsonNode taskJson(String type, String taskName) {
            return JsonNodeFactory.instance.objectNode().put("type", type).put("task_name", taskName);
        }

        static List<TriggerRule> resolve(List<TriggerRule> conditions, TaskNamespace owner) {
            return conditions.stream().map(r -> r.resolve(owner)).toList();
        }

        static Set<String> referenced(List<TriggerRule> conditions) {
            Set<String> names = new TreeSet<>();
            conditions.forEach(r -> names.addAll(r.referencedTasks()));
            return names;
        }

        /** A full namespace stays as it is (upstream's form); a short id is a task of the owner's workflow. */
        static String resolveName(String name, TaskNamespace owner) {
            return name.contains(TaskNamespace.SEPARATOR) ? TaskNamespace.parse(name).toString()
                    : owner.sibling(name).toString();
        }

        static String shortName(String name) {
            int at = name.lastIndexOf(TaskNamespace.SEPARATOR);
            return at < 0 ? name : name.substring(at + TaskNamespace.SEPARATOR.length());
        }

        /** A JSON value as Python would print it: the rules are written in Python. */
        static String pythonic(JsonNode value) {
            if (value.isTextual()) {
                return quote(value.asText());
            }
            if (value.isBoolean()) {
                return value.asBoolean() ? "True" : "False";
            }
            return value.isNull() ? "None" : value.toString();
        }

        static String quote(String s) {
            return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
        }

        static List<TriggerRule> children(JsonNode node) {
            JsonNode list = node.get("conditions");
            if (list == null || !list.isArray()) {
                throw CloacaException.invalidArgument(node.get("type").asText() + " needs a 'conditions' list: " + node);
            }
            List<TriggerRule> rules = new ArrayList<>();
            for (Iterator<JsonNode> it = list.elements(); it.hasNext(); ) {
                rules.add(fromJson(it.next()));
            }
            return rules;
        }

        static String taskName(JsonNode node) {
            JsonNode name = node.get("task_name");
            if (name == null || !name.isTextual() || name.asText().isEmpty()) {
                throw CloacaException.invalidArgument(node.get("type").asText() + " needs a non-empty string"
                        + " 'task_name': " + node);
            }
            return name.asText();
        }
    }
}
