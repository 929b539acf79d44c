package io.cloaca.api;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ContextTest {

    record Order(String id, int quantity, List<String> items) {
    }

    enum Size { SMALL }

    @Test
    void typed_getters_read_what_put_stored() {
        Context ctx = Context.empty()
                .put("name", "tea").put("count", 3).put("big", 5_000_000_000L).put("price", 2.5)
                .put("paid", true).put("items", List.of("a", "b")).put("meta", Map.of("k", 1)).put("none", null);
        assertEquals("tea", ctx.getString("name"));
        assertEquals(3, ctx.getInt("count"));
        assertEquals(3L, ctx.getLong("count"));
        assertEquals(5_000_000_000L, ctx.getLong("big"));
        assertEquals(2.5, ctx.getDouble("price"));
        assertEquals(3.0, ctx.getDouble("count"));
        assertTrue(ctx.getBoolean("paid"));
        assertEquals(List.of("a", "b"), ctx.getList("items"));
        assertEquals(Map.of("k", 1), ctx.getMap("meta"));
        assertNull(ctx.getString("none"));
        assertTrue(ctx.has("none"));
        assertEquals(List.of("name", "count", "big", "price", "paid", "items", "meta", "none"), List.copyOf(ctx.keys()));
    }

    @Test
    void numbers_convert_only_when_nothing_is_lost() {
        Context ctx = Context.empty().put("whole", 4.0).put("half", 4.5).put("huge", 5_000_000_000L);
        assertEquals(4, ctx.getInt("whole"));
        IllegalArgumentException half = assertThrows(IllegalArgumentException.class, () -> ctx.getInt("half"));
        assertEquals("Context key 'half' holds a decimal number (4.5), not an int", half.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ctx.getInt("huge"));
        assertEquals(BigInteger.TEN.pow(30), Context.empty().put("n", BigInteger.TEN.pow(30)).get("n"));
    }

    @Test
    void a_missing_key_or_a_wrong_type_is_named() {
        Context ctx = Context.empty().put("n", 42);
        NoSuchElementException missing = assertThrows(NoSuchElementException.class, () -> ctx.getString("name"));
        assertEquals("The context has no key 'name'; its keys are [n]", missing.getMessage());
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> ctx.getString("n"));
        assertEquals("Context key 'n' holds a whole number (42), not a string", wrong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ctx.getBoolean("n"));
        assertThrows(IllegalArgumentException.class, () -> ctx.getList("n"));
        assertEquals(Optional.empty(), ctx.find("name", String.class));
        assertEquals(Optional.of(42L), ctx.find("n", Long.class));
    }

    @Test
    void records_enums_and_arrays_are_stored_as_plain_values_and_read_back() {
        Order order = new Order("o-1", 2, List.of("tea"));
        Context ctx = Context.empty().put("order", order).put("size", Size.SMALL).put("codes", new int[] {1, 2});
        assertEquals(Map.of("id", "o-1", "quantity", 2, "items", List.of("tea")), ctx.getMap("order"));
        assertEquals(order, ctx.get("order", Order.class));
        assertEquals("SMALL", ctx.getString("size"));
        assertEquals(Size.SMALL, ctx.get("size", Size.class));
        assertEquals(List.of(1, 2), ctx.getList("codes"));
    }

    @Test
    void held_values_cannot_be_changed_behind_the_context_but_copies_can() {
        List<Object> source = new ArrayList<>(List.of("a"));
        Context ctx = Context.of(Map.of("list", source));
        source.add("b");
        assertEquals(List.of("a"), ctx.getList("list"));
        assertThrows(UnsupportedOperationException.class, () -> ctx.getList("list").add("c"));
        Map<String, Object> copy = ctx.toMap();
        @SuppressWarnings("unchecked")
        List<Object> copied = (List<Object>) copy.get("list");
        copied.add("c");
        assertEquals(List.of("a"), ctx.getList("list"));
    }

    @Test
    void values_json_cannot_hold_are_refused_with_the_key() {
        Context ctx = Context.empty();
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class, () -> ctx.put("x", Double.NaN));
        assertTrue(nan.getMessage().startsWith("Context key 'x': NaN cannot be stored"), nan.getMessage());
        Map<Object, Object> intKeys = new LinkedHashMap<>();
        intKeys.put(1, "one");
        IllegalArgumentException keys = assertThrows(IllegalArgumentException.class, () -> ctx.put("m", intKeys));
        assertEquals("Context key 'm': map keys must be strings, got java.lang.Integer", keys.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ctx.put("o", new Object()));
        List<Object> itself = new ArrayList<>();
        itself.add("a");
        itself.add(itself);
        assertEquals("Context key 'l[1]': the value contains itself; JSON has no cycles",
                assertThrows(IllegalArgumentException.class, () -> ctx.put("l", itself)).getMessage());
        assertEquals("Context key 's': the value is not valid Unicode text: it holds a lone surrogate \\ud800 at index 1,"
                + " which JSON stored as UTF-8 cannot represent",
                assertThrows(IllegalArgumentException.class, () -> ctx.put("s", "a\ud800b")).getMessage());
        assertEquals("Context key 'm': a map key is not valid Unicode text: it holds a lone surrogate"
                + " \\udc00 at index 0, which JSON stored as UTF-8 cannot represent",
                assertThrows(IllegalArgumentException.class, () -> ctx.put("m", Map.of("\udc00", 1))).getMessage());
        assertEquals("Context key 'k\ud800': the key is not valid Unicode text: it holds a lone surrogate"
                + " \\ud800 at index 1, which JSON stored as UTF-8 cannot represent",
                assertThrows(IllegalArgumentException.class, () -> ctx.put("k\ud800", 1)).getMessage());
        ctx.put("pair", "\ud83d\ude00"); // a surrogate pair is one character, and fine
        assertEquals("\ud83d\ude00", ctx.getString("pair"));
        assertFalse(ctx.has("s") || ctx.has("m"));
        List<Object> twice = List.of("a");
        ctx.put("siblings", List.of(twice, twice)); // the same list twice, not inside itself
        assertEquals("Context key 't': a java.lang.Thread cannot be stored; use strings, numbers, booleans, lists,"
                + " maps, records or beans", assertThrows(IllegalArgumentException.class,
                        () -> ctx.put("t", new Thread(() -> { }))).getMessage());
    }

    @Test
    void nulls_are_refused_naming_the_parameter() {
        assertEquals("key", assertThrows(NullPointerException.class, () -> Context.empty().put(null, 1)).getMessage());
        assertEquals("values", assertThrows(NullPointerException.class, () -> Context.of(null)).getMessage());
        assertEquals("type", assertThrows(NullPointerException.class, () -> Context.empty().get("k", null)).getMessage());
    }

    @Test
    void a_context_survives_the_engine_round_trip_unchanged() {
        Context ctx = Context.empty().put("i", 1).put("l", 5_000_000_000L).put("d", 0.1).put("s", "x")
                .put("list", List.of(1, "two", 3.5)).put("map", Map.of("nested", List.of(true))).put("n", null);
        assertEquals(ctx, ContextValues.fromEngine(ContextValues.toEngine(ctx)));
    }
}
