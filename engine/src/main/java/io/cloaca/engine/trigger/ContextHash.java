package io.cloaca.engine.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloaca.engine.context.Context;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The fingerprint by which "the identical context" is recognised: the SHA-256 of the context's JSON with
 * object keys sorted at every level, so that key order does not matter but every value does. A fire
 * without a context has the fixed fingerprint {@value #NO_CONTEXT}, as upstream.
 */
final class ContextHash {

    static final String NO_CONTEXT = "fire_no_context";

    private ContextHash() {
    }

    static String of(Context context) {
        if (context == null) {
            return NO_CONTEXT;
        }
        try {
            byte[] canonical = Context.JSON.writeValueAsBytes(sorted(context.toJsonNode()));
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("SHA-256 of a context failed", e); // both are always available
        }
    }

    private static JsonNode sorted(JsonNode node) {
        if (node instanceof ObjectNode object) {
            Map<String, JsonNode> fields = new TreeMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = object.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                fields.put(e.getKey(), sorted(e.getValue()));
            }
            ObjectNode out = Context.JSON.createObjectNode();
            fields.forEach(out::set);
            return out;
        }
        if (node instanceof ArrayNode array) {
            ArrayNode out = Context.JSON.createArrayNode();
            array.forEach(e -> out.add(sorted(e)));
            return out;
        }
        return node;
    }
}
