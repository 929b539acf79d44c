package io.cloaca.engine.context;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloaca.engine.CloacaException;

import java.util.Objects;
import java.util.function.Function;

/**
 * The data a workflow passes from task to task: a JSON object. Java tasks receive one, change it and
 * return it; its JSON text is what the store persists after every task.
 *
 * <p>Not thread-safe: each task attempt gets its own copy.
 */
public final class Context {

    /**
     * Shared, thread-safe once configured; every JSON read and write in the engine, the bridge and the
     * CLI goes through it. Its read limits are upstream's, whose serde_json has none on sizes: strings
     * and key names of any length (Jackson's defaults, 20,000,000 and 50,000 characters, failed a task
     * whose context upstream stores). Nesting stays at Jackson's 1000 levels, above serde_json's 128, so
     * every context upstream reads is read here while a hostile depth still cannot exhaust the stack;
     * numbers stay at 1000 characters, where a context's numbers (64-bit integers and doubles) need 25.
     */
    public static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(Integer.MAX_VALUE)
                    .maxNameLength(Integer.MAX_VALUE)
                    .build())
            .build());

    private final ObjectNode data;

    private Context(ObjectNode data) {
        this.data = data;
    }

    /** An empty context. */
    public static Context empty() {
        return new Context(JsonNodeFactory.instance.objectNode());
    }

    /** A context holding a copy of {@code node}. */
    public static Context of(ObjectNode node) {
        return new Context(node.deepCopy());
    }

    /**
     * A context holding {@code node} itself, for a tree its caller has just made (parsed, merged) and
     * hands over, never to use it again: a copy of it would only be more garbage for the collector.
     */
    public static Context owning(ObjectNode node) {
        return new Context(Objects.requireNonNull(node, "node"));
    }

    /**
     * Parses a JSON object.
     *
     * @throws CloacaException (INVALID_ARGUMENT) when the text is not JSON or not an object
     */
    public static Context fromJson(String json) {
        return new Context(parseObject(json));
    }

    /**
     * The JSON object {@code json} holds, as {@link #fromJson} reads it, for a caller that wants the
     * tree itself.
     *
     * @throws CloacaException (INVALID_ARGUMENT) when the text is not JSON or not an object
     */
    public static ObjectNode parseObject(String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw CloacaException.invalidArgument("Context JSON is not valid: " + problem(e));
        }
        if (node == null || !node.isObject()) {
            throw CloacaException.invalidArgument("Context JSON must be an object, got: "
                    + (node == null ? "nothing" : node.getNodeType().name().toLowerCase()));
        }
        return (ObjectNode) node;
    }

    /**
     * What is wrong with JSON text {@link #JSON} refused, in terms of the text: Jackson's message with
     * the position, less what names Jackson's settings (the one that sets a limit, the one that would
     * accept NaN, the one that would quote the source), which mean nothing to whoever wrote the text.
     */
    public static String problem(JsonProcessingException e) {
        String message = e.getOriginalMessage()
                .replaceAll(", from `[^`]*`", "")
                .replaceAll(": enable `[^`]*` to allow", "")
                .replaceAll("\\[Source: [^;\\]]*; (line: \\d+, column: \\d+)]", "$1");
        return e.getLocation() == null || e.getLocation().getCharOffset() < 0 ? message
                : message + " (at character " + e.getLocation().getCharOffset() + ")";
    }

    public JsonNode get(String key) {
        return data.get(key);
    }

    public boolean containsKey(String key) {
        return data.has(key);
    }

    /** Sets {@code key} to a Java value converted by Jackson (String, Number, Boolean, Map, List, null, JsonNode). */
    public Context set(String key, Object value) {
        Objects.requireNonNull(key, "key");
        data.set(key, value instanceof JsonNode node ? node : JSON.valueToTree(value));
        return this;
    }

    public JsonNode remove(String key) {
        return data.remove(key);
    }

    public int size() {
        return data.size();
    }

    /** A deep copy of the underlying JSON object. */
    public ObjectNode toJsonNode() {
        return data.deepCopy();
    }

    /**
     * What {@code reader} makes of the underlying JSON object itself, not a copy; it must neither change
     * nor keep the object (a serializer).
     */
    public <T> T read(Function<? super ObjectNode, T> reader) {
        return reader.apply(data);
    }

    public String toJson() {
        return data.toString();
    }

    public Context copy() {
        return new Context(data.deepCopy());
    }

    @Override
    public String toString() {
        return "Context(" + data + ")";
    }
}
