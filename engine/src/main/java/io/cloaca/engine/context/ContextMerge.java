package io.cloaca.engine.context;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the input of a task with several dependencies from their outputs (DESIGN.md §8): arrays are
 * united keeping order and dropping duplicates, objects merge recursively, any other value: later wins.
 * Upstream's tests depend on the union rule (a diamond's branches both appear in a shared list).
 */
public final class ContextMerge {

    private ContextMerge() {
    }

    /** Merges {@code outputs} in order into a new object. */
    public static ObjectNode merge(List<ObjectNode> outputs) {
        ObjectNode merged = JsonNodeFactory.instance.objectNode();
        for (ObjectNode output : outputs) {
            mergeInto(merged, output);
        }
        return merged;
    }

    private static void mergeInto(ObjectNode target, ObjectNode source) {
        Iterator<Map.Entry<String, JsonNode>> fields = source.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode existing = target.get(field.getKey());
            JsonNode incoming = field.getValue();
            if (existing instanceof ArrayNode left && incoming instanceof ArrayNode right) {
                unite(left, right);
            } else if (existing instanceof ObjectNode left && incoming instanceof ObjectNode right) {
                mergeInto(left, right);
            } else {
                target.set(field.getKey(), incoming.deepCopy());
            }
        }
    }

    private static void unite(ArrayNode target, ArrayNode extra) {
        Set<JsonNode> present = new HashSet<>();
        target.forEach(present::add);
        for (JsonNode element : extra) {
            if (present.add(element)) {
                target.add(element.deepCopy());
            }
        }
    }
}
