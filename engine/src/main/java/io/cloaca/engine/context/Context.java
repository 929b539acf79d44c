package io.cloaca.engine.context;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloaca.engine.CloacaException;

import java.util.Objects;

/**
 * The data a workflow passes from task to task: a JSON object. Java tasks receive one, change it and
 * return it; its JSON text is what the store persists after every task.
 *
 * <p>Not thread-safe: each task attempt gets its own copy.
 */
public final class Context {

    /** Shared, thread-safe once configured; every JSON read and write in the engine goes through it. */
    public static final ObjectMapper JSON = new ObjectMapper();

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
     * Parses a JSON object.
     *
     * @throws CloacaException (INVALID_ARGUMENT) when the text is not JSON or not an object
     */
    public static Context fromJson(String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw CloacaException.invalidArgument("Context JSON is not valid: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw CloacaException.invalidArgument("Context JSON must be an object, got: "
                    + (node == null ? "nothing" : node.getNodeType().name().toLowerCase()));
        }
        return new Context((ObjectNode) node);
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
