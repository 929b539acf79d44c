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
 * (upstream's trigger rules, cloaca-api.md §2.6). Conditions nest freely: a {@link Group} (upstream's
 * {@code All}/{@code Any}/{@code None}) takes any rules, a bare condition is a rule of its own.
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
        return new Group(Combinator.ALL, List.of(rules));
    }

    static TriggerRule anyOf(TriggerRule... rules) {
        return new Group(Combinator.ANY, List.of(rules));
    }

    static TriggerRule noneOf(TriggerRule... rules) {
        return new Group(Combinator.NONE, List.of(rules));
    }

    /** The task (an id of this workflow, or a full namespace) completed. */
    static TriggerRule taskSuccess(String task) {
        return new TaskCondition(Expect.SUCCESS, task);
    }

    static TriggerRule taskFailed(String task) {
        return new TaskCondition(Expect.FAILED, task);
    }

    static TriggerRule taskSkipped(String task) {
        return new TaskCondition(Expect.SKIPPED, task);
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

    /** How a {@link Group} combines its rules. */
    enum Combinator {
        /** Every rule holds (so an empty group holds). */
        ALL("All", "all_of"),
        /** At least one rule holds (so an empty group does not). */
        ANY("Any", "any_of"),
        /** No rule holds (upstream's {@code None}; an empty group holds). */
        NONE("None", "none_of");

        final String jsonName;
        final String pythonName;

        Combinator(String jsonName, String pythonName) {
            this.jsonName = jsonName;
            this.pythonName = pythonName;
        }
    }

    /** Upstream's {@code All}, {@code Any} and {@code None}. */
    record Group(Combinator combinator, List<TriggerRule> conditions) implements TriggerRule {
        public Group {
            Objects.requireNonNull(combinator, "combinator");
            conditions = List.copyOf(conditions);
        }

        public boolean evaluate(Facts facts) {
            return switch (combinator) {
                case ALL -> conditions.stream().allMatch(r -> r.evaluate(facts));
                case ANY -> conditions.stream().anyMatch(r -> r.evaluate(facts));
                case NONE -> conditions.stream().noneMatch(r -> r.evaluate(facts));
            };
        }

        /** For all_of the first false rule, for none_of the first true one. */
        public String whyFalse(Facts facts) {
            return switch (combinator) {
                case ALL -> conditions.stream().filter(r -> !r.evaluate(facts)).findFirst()
                        .map(r -> r.whyFalse(facts)).orElse(describe() + " was false");
                case NONE -> conditions.stream().filter(r -> r.evaluate(facts)).findFirst()
                        .map(r -> r.describe() + " was true").orElse(describe() + " was false");
                case ANY -> describe() + " was false";
            };
        }

        public String describe() {
            return combinator.pythonName + "(" + conditions.stream().map(TriggerRule::describe)
                    .collect(Collectors.joining(", ")) + ")";
        }

        public JsonNode toJson() {
            ObjectNode node = JsonNodeFactory.instance.objectNode().put("type", combinator.jsonName);
            ArrayNode array = node.putArray("conditions");
            conditions.forEach(r -> array.add(r.toJson()));
            return node;
        }

        public TriggerRule resolve(TaskNamespace owner) {
            return new Group(combinator, conditions.stream().map(r -> r.resolve(owner)).toList());
        }

        public Set<String> referencedTasks() {
            Set<String> names = new TreeSet<>();
            conditions.forEach(r -> names.addAll(r.referencedTasks()));
            return names;
        }

        public boolean needsContext() {
            return conditions.stream().anyMatch(TriggerRule::needsContext);
        }
    }

    /** The status a {@link TaskCondition} asks for. */
    enum Expect {
        SUCCESS("TaskSuccess", "task_success", "Completed"),
        FAILED("TaskFailed", "task_failed", "Failed"),
        SKIPPED("TaskSkipped", "task_skipped", "Skipped");

        final String jsonName;
        final String pythonName;
        final String status;

        Expect(String jsonName, String pythonName, String status) {
            this.jsonName = jsonName;
            this.pythonName = pythonName;
            this.status = status;
        }
    }

    /** Upstream's {@code TaskSuccess}, {@code TaskFailed} and {@code TaskSkipped}: the named task ended so. */
    record TaskCondition(Expect expect, String taskName) implements TriggerRule {
        public TaskCondition {
            Objects.requireNonNull(expect, "expect");
            Objects.requireNonNull(taskName, "taskName");
        }

        public boolean evaluate(Facts facts) {
            return expect.status.equals(facts.statusOf().apply(taskName));
        }

        public String describe() {
            int at = taskName.lastIndexOf(TaskNamespace.SEPARATOR);
            String shortName = at < 0 ? taskName : taskName.substring(at + TaskNamespace.SEPARATOR.length());
            return expect.pythonName + "(" + Support.quote(shortName) + ")";
        }

        public JsonNode toJson() {
            return JsonNodeFactory.instance.objectNode().put("type", expect.jsonName).put("task_name", taskName);
        }

        /** A full namespace stays as it is (upstream's form); a short id is a task of the owner's workflow. */
        public TriggerRule resolve(TaskNamespace owner) {
            return new TaskCondition(expect, taskName.contains(TaskNamespace.SEPARATOR)
                    ? TaskNamespace.parse(taskName).toString() : owner.sibling(taskName).toString());
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
            String args = Support.quote(key) + ", " + Support.quote(operator.symbol);
            return "context_value(" + args + (operator.takesValue() ? ", " + Support.pythonic(value) : "") + ")";
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
            case "All" -> new Group(Combinator.ALL, Support.children(node));
            case "Any" -> new Group(Combinator.ANY, Support.children(node));
            case "None" -> new Group(Combinator.NONE, Support.children(node));
            case "TaskSuccess" -> new TaskCondition(Expect.SUCCESS, Support.taskName(node));
            case "TaskFailed" -> new TaskCondition(Expect.FAILED, Support.taskName(node));
            case "TaskSkipped" -> new TaskCondition(Expect.SKIPPED, Support.taskName(node));
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
    final class Support {
        private Support() {
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
