package io.cloaca.python;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.trigger.TriggerPoll;
import io.cloaca.engine.trigger.TriggerResult;
import org.graalvm.polyglot.Value;

/**
 * A trigger whose poll is a Python function. The shim's poller calls it, checks its answer and
 * replies with JSON text: {@code {"ok": true, "fire": bool, "context": {...} or null}}, or {@code {"ok":
 * false, "error": message}} when it raised or returned something other than a TriggerResult.
 */
final class PythonTriggerPoll implements TriggerPoll {

    private final String name;
    private final Value poller;

    PythonTriggerPoll(String name, Value poller) {
        this.name = name;
        this.poller = poller;
    }

    @Override
    public TriggerResult poll() {
        String reply = poller.execute().asString();
        JsonNode answer;
        try {
            answer = Context.JSON.readTree(reply);
        } catch (JsonProcessingException e) {
            throw new Failed("Trigger '" + name + "' answered output that could not be read as JSON: "
                    + Context.problem(e));
        }
        if (!answer.path("ok").asBoolean(false)) {
            throw new Failed(answer.path("error").asText("Trigger '" + name + "' poll failed"));
        }
        if (!answer.path("fire").asBoolean(false)) {
            return TriggerResult.skip();
        }
        JsonNode context = answer.get("context");
        return TriggerResult.fire(context instanceof ObjectNode object ? Context.of(object) : null);
    }
}
