package io.cloaca.api;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.cloaca.engine.context.Context.JSON;

/**
 * Converts between the API's plain values and the engine's JSON contexts. Jackson stays in here: no
 * public signature of the API shows it.
 */
final class ContextValues {

    private static final BigInteger INT_MIN = BigInteger.valueOf(Integer.MIN_VALUE);
    private static final BigInteger INT_MAX = BigInteger.valueOf(Integer.MAX_VALUE);
    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private ContextValues() {
    }

    /** The engine's context for {@code context}. */
    static io.cloaca.engine.context.Context toEngine(Context context) {
        return io.cloaca.engine.context.Context.of(JSON.valueToTree(context.values()));
    }

    /** The API's context for an engine context (whose values are JSON, so always convertible). */
    @SuppressWarnings("unchecked")
    static Context fromEngine(io.cloaca.engine.context.Context context) {
        ObjectNode node = context.toJsonNode();
        Map<String, Object> raw = JSON.convertValue(node, LinkedHashMap.class);
        Map<String, Object> values = new LinkedHashMap<>();
        raw.forEach((k, v) -> values.put(k, plain(k, v)));
        return Context.wrap(values);
    }

    /**
     * {@code value} as one of the held types. Integral numbers take the smallest of Integer, Long and
     * BigInteger that fits, as a JSON round trip through the store would give them back, so that a context
     * equals itself before and after a task boundary.
     */
    static Object plain(String key, Object value) {
        return plain(key, value, Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    /** @param enclosing the maps, collections and arrays {@code value} is inside of, to refuse one inside itself */
    private static Object plain(String key, Object value, Set<Object> enclosing) {
        if (value == null || value instanceof Boolean) {
            return value;
        }
        if (value instanceof Character || value instanceof CharSequence) {
            return text(key, "the value", value.toString());
        }
        if (value instanceof Enum<?> e) {
            return e.name();
        }
        if (value instanceof Byte || value instanceof Short || value instanceof Integer || value instanceof Long
                || value instanceof BigInteger) {
            return integral(new BigInteger(value.toString()));
        }
        if (value instanceof Number n) {
            double d = n instanceof BigDecimal big ? big.doubleValue() : n.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new IllegalArgumentException("Context key '" + key + "': " + value
                        + " cannot be stored; JSON has no NaN or infinite numbers");
            }
            return d;
        }
        boolean container = value instanceof Map<?, ?> || value instanceof Collection<?> || value.getClass().isArray();
        if (container && !enclosing.add(value)) {
            throw new IllegalArgumentException("Context key '" + key + "': the value contains itself; JSON has no cycles");
        }
        try {
            return container ? plainContainer(key, value, enclosing) : plainObject(key, value, enclosing);
        } finally {
            enclosing.remove(value);
        }
    }

    private static Object plainContainer(String key, Object value, Set<Object> enclosing) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (!(entry.getKey() instanceof String name)) {
                    throw new IllegalArgumentException("Context key '" + key + "': map keys must be strings, got "
                            + (entry.getKey() == null ? "null" : entry.getKey().getClass().getName()));
                }
                text(key, "a map key", name);
                copy.put(name, plain(key + "." + name, entry.getValue(), enclosing));
            }
            return Collections.unmodifiableMap(copy);
        }
        if (value instanceof Collection<?> collection) {
            List<Object> copy = new ArrayList<>(collection.size());
            int i = 0;
            for (Object element : collection) {
                copy.add(plain(key + "[" + i++ + "]", element, enclosing));
            }
            return Collections.unmodifiableList(copy);
        }
        List<Object> copy = new ArrayList<>();
        for (int i = 0; i < Array.getLength(value); i++) {
            copy.add(plain(key + "[" + i + "]", Array.get(value, i), enclosing));
        }
        return Collections.unmodifiableList(copy);
    }

    /**
     * {@code text} itself, unless it holds a lone UTF-16 surrogate: a Java string may, UTF-8 (the database's
     * text) cannot, and the driver would store a '?' in its place.
     *
     * @param what how the message names the text after the key
     */
    static String text(String key, String what, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Character.isSurrogate(c)) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++; // a pair: one character outside the Basic Multilingual Plane
                continue;
            }
            throw new IllegalArgumentException(String.format("Context key '%s': %s is not valid Unicode text: it holds"
                    + " a lone surrogate \\u%04x at index %d, which JSON stored as UTF-8 cannot represent",
                    key, what, (int) c, i));
        }
        return text;
    }

    private static Object plainObject(String key, Object value, Set<Object> enclosing) {
        String type = value.getClass().getName();
        if (type.startsWith("java.") || type.startsWith("javax.") || type.startsWith("jdk.")) {
            // The JDK's own classes are not the application's beans: Jackson would store a Thread's getters,
            // its stack trace included.
            throw new IllegalArgumentException("Context key '" + key + "': a " + type
                    + " cannot be stored; use strings, numbers, booleans, lists, maps, records or beans");
        }
        // A record or bean: its properties, as Jackson sees them.
        Object converted;
        try {
            converted = JSON.convertValue(value, Object.class);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Context key '" + key + "': a " + value.getClass().getName()
                    + " cannot be stored; use strings, numbers, booleans, lists, maps, records or beans", e);
        }
        if (converted == value || !(converted instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("Context key '" + key + "': a " + value.getClass().getName()
                    + " has no properties to store; use strings, numbers, booleans, lists, maps, records or beans");
        }
        return plain(key, converted, enclosing);
    }

    private static Object integral(BigInteger n) {
        if (n.compareTo(INT_MIN) >= 0 && n.compareTo(INT_MAX) <= 0) {
            return n.intValue();
        }
        if (n.compareTo(LONG_MIN) >= 0 && n.compareTo(LONG_MAX) <= 0) {
            return n.longValue();
        }
        return n;
    }

    /** {@code value} (held) as {@code type}. */
    @SuppressWarnings("unchecked")
    static <T> T convert(String key, Object value, Class<T> type) {
        if (value == null) {
            return null;
        }
        if (type == Integer.class || type == int.class) {
            return (T) Integer.valueOf(whole(key, value, INT_MIN, INT_MAX, "an int").intValue());
        }
        if (type == Long.class || type == long.class) {
            return (T) Long.valueOf(whole(key, value, LONG_MIN, LONG_MAX, "a long").longValue());
        }
        if (type == Double.class || type == double.class) {
            if (value instanceof Number n) {
                return (T) Double.valueOf(n.doubleValue());
            }
            throw mismatch(key, value, "a number");
        }
        if (type == Boolean.class || type == boolean.class) {
            if (value instanceof Boolean) {
                return (T) value;
            }
            throw mismatch(key, value, "a boolean");
        }
        if (type.isInstance(value)) {
            return type.cast(value);
        }
        if (type == String.class || type == List.class || type == Map.class) {
            throw mismatch(key, value, type == String.class ? "a string" : type == List.class ? "a list" : "a map");
        }
        try {
            return JSON.convertValue(value, type);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Context key '" + key + "' holds " + describe(value)
                    + ", which cannot be read as a " + type.getName() + ": " + e.getMessage(), e);
        }
    }

    private static BigInteger whole(String key, Object value, BigInteger min, BigInteger max, String what) {
        BigInteger n;
        if (value instanceof Integer || value instanceof Long || value instanceof BigInteger) {
            n = new BigInteger(value.toString());
        } else if (value instanceof Double d && d == Math.rint(d)) {
            n = BigDecimal.valueOf(d).toBigIntegerExact();
        } else {
            throw mismatch(key, value, what);
        }
        if (n.compareTo(min) < 0 || n.compareTo(max) > 0) {
            throw mismatch(key, value, what);
        }
        return n;
    }

    private static IllegalArgumentException mismatch(String key, Object value, String expected) {
        return new IllegalArgumentException("Context key '" + key + "' holds " + describe(value) + ", not " + expected);
    }

    private static String describe(Object value) {
        String kind = value instanceof String ? "a string" : value instanceof Boolean ? "a boolean"
                : value instanceof Double ? "a decimal number" : value instanceof Number ? "a whole number"
                : value instanceof List ? "a list" : value instanceof Map ? "a map" : value.getClass().getSimpleName();
        String text = value instanceof String s ? '"' + s + '"' : String.valueOf(value);
        return kind + " (" + (text.length() > 60 ? text.substring(0, 57) + "..." : text) + ")";
    }

    /** A deep copy with modifiable maps and lists. */
    @SuppressWarnings("unchecked")
    static <V> V modifiableCopy(V value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put((String) k, modifiableCopy(v)));
            return (V) copy;
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            list.forEach(v -> copy.add(modifiableCopy(v)));
            return (V) copy;
        }
        return value;
    }
}
