package io.cloaca.engine.context;

import io.cloaca.engine.CloacaException;
import org.junit.jupiter.api.Test;

import static io.cloaca.engine.TestSupport.assertCloaca;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The limits of {@link Context#JSON}: what upstream's serde_json reads, this reads (no limit on the length
 * of a string or a key); what it refuses is said in terms of the text, not of Jackson.
 */
class ContextJsonTest {

    /** Just over Jackson's default limit on a string's length (20,000,000). */
    private static final int LONGER_THAN_JACKSONS_DEFAULT = 20_000_001;

    @Test
    void a_string_longer_than_jacksons_default_limit_is_read() {
        String text = "x".repeat(LONGER_THAN_JACKSONS_DEFAULT);
        Context read = Context.fromJson("{\"blob\":\"" + text + "\"}");
        assertEquals(LONGER_THAN_JACKSONS_DEFAULT, read.get("blob").asText().length());
    }

    @Test
    void a_key_longer_than_jacksons_default_limit_is_read() {
        String key = "k".repeat(50_001); // Jackson's default for names is 50,000
        assertEquals(1, Context.fromJson("{\"" + key + "\":1}").get(key).asInt());
    }

    @Test
    void malformed_text_is_refused_with_where_it_went_wrong() {
        CloacaException e = assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> Context.fromJson("{\"a\": NaN}"));
        // Jackson's message named the setting that would accept NaN: nothing whoever wrote the text can set.
        assertEquals("Context JSON is not valid: Non-standard token 'NaN' (at character 9)", e.getMessage());
        e = assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> Context.fromJson("{\"a\": 1"));
        assertEquals("Context JSON is not valid: Unexpected end-of-input: expected close marker for Object (start"
                + " marker at line: 1, column: 1) (at character 7)", e.getMessage());
    }

    @Test
    void nesting_as_deep_as_upstream_reads_is_read_and_deeper_than_1000_is_refused_in_plain_words() {
        assertEquals(1, Context.fromJson("{\"a\":" + "[".repeat(128) + "1" + "]".repeat(128) + "}").size());
        String deep = "{\"a\":" + "[".repeat(1000) + "1" + "]".repeat(1000) + "}";
        CloacaException e = assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> Context.fromJson(deep));
        assertEquals("Context JSON is not valid: Document nesting depth (1001) exceeds the maximum allowed (1000)",
                e.getMessage());
    }
}
