package io.cloaca.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The data a workflow passes from task to task: named values that are JSON at heart, since the engine
 * stores the context after every task. A task receives its own context and changes it in place.
 *
 * <p>Values are held as plain Java types: {@code String}, {@code Boolean}, {@code Integer} (or
 * {@code Long}, {@code BigInteger} when larger), {@code Double}, {@code null}, and unmodifiable
 * {@code List<Object>} and {@code Map<String, Object>} of those. {@link #put} converts what it is given
 * into these: other numbers, enums (their name), arrays and collections, maps with string keys, and
 * records or beans (their properties, as a map). {@link #get(String, Class)} converts back, also into
 * records and beans.
 *
 * <pre>{@code
 * Context ctx = Context.of(Map.of("order", 42, "items", List.of("tea", "cake")));
 * int order = ctx.getInt("order");
 * ctx.put("total", 12.5);
 * }</pre>
 *
 * <p>Typed getters ({@link #getString}, {@link #getInt}, ...) throw {@link NoSuchElementException} for a
 * key the context does not have and {@link IllegalArgumentException} for a value of another type, both
 * naming the key; {@link #find} is the lenient form. Not thread-safe: each task attempt has its own.
 */
public final class Context {

    private final Map<String, Object> values;

    private Context(Map<String, Object> values) {
        this.values = values;
    }

    /** A new, empty context. */
    public static Context empty() {
        return new Context(new LinkedHashMap<>());
    }

    /**
     * A context holding a copy of {@code values}, converted as by {@link #put}.
     *
     * @throws NullPointerException     if {@code values} or one of its keys is null
     * @throws IllegalArgumentException if a value cannot be held (see {@link #put})
     */
    public static Context of(Map<String, ?> values) {
        Objects.requireNonNull(values, "values");
        Context context = empty();
        values.forEach(context::put);
        return context;
    }

    /** A context holding already-converted values, taken as they are (from the engine). */
    static Context wrap(Map<String, Object> converted) {
        return new Context(converted);
    }

    /**
     * Sets {@code key} to {@code value}, converted to the plain types listed above; returns this context.
     *
     * @throws NullPointerException     if {@code key} is null
     * @throws IllegalArgumentException if {@code value} cannot be held: a NaN or infinite number, a map
     *                                  with keys other than strings, an object with no properties, or text
     *                                  (the key's too) holding a lone UTF-16 surrogate, which UTF-8 cannot
     */
    public Context put(String key, Object value) {
        Objects.requireNonNull(key, "key");
        ContextValues.text(key, "the key", key);
        values.put(key, ContextValues.plain(key, value));
        return this;
    }

    /** Whether the context has {@code key} (with a value, which may be null). */
    public boolean has(String key) {
        return values.containsKey(Objects.requireNonNull(key, "key"));
    }

    /** The value of {@code key} as held (see above), or null when absent or null. */
    public Object get(String key) {
        return values.get(Objects.requireNonNull(key, "key"));
    }

    /**
     * The value of {@code key} converted to {@code type}: one of the held types, a number type, or a
     * record or bean whose properties the value (a map) holds. A null value gives null.
     *
     * @throws NoSuchElementException   if the context has no {@code key}
     * @throws IllegalArgumentException if the value cannot be converted to {@code type}
     */
    public <T> T get(String key, Class<T> type) {
        Objects.requireNonNull(type, "type");
        return ContextValues.convert(key, present(key), type);
    }

    /** Like {@link #get(String, Class)}, but empty when the key is absent or its value null. */
    public <T> Optional<T> find(String key, Class<T> type) {
        Objects.requireNonNull(type, "type");
        Object value = get(key);
        return value == null ? Optional.empty() : Optional.of(ContextValues.convert(key, value, type));
    }

    /**
     * The text of {@code key} (null if the value is null).
     *
     * @throws IllegalArgumentException for a value that is not text
     */
    public String getString(String key) {
        return get(key, String.class);
    }

    /**
     * The whole number of {@code key}; a decimal with no fraction (4.0) counts as one.
     *
     * @throws IllegalArgumentException for null, a non-number, a fraction, or a number beyond int
     */
    public int getInt(String key) {
        return notNull(key, get(key, Integer.class));
    }

    /** As {@link #getInt}, for long. */
    public long getLong(String key) {
        return notNull(key, get(key, Long.class));
    }

    /**
     * Any number of {@code key}, as a double.
     *
     * @throws IllegalArgumentException for null or a value that is not a number
     */
    public double getDouble(String key) {
        return notNull(key, get(key, Double.class));
    }

    /**
     * The boolean of {@code key}.
     *
     * @throws IllegalArgumentException for null or a value that is not a boolean
     */
    public boolean getBoolean(String key) {
        return notNull(key, get(key, Boolean.class));
    }

    /** The list of {@code key}, unmodifiable (null if the value is null). */
    @SuppressWarnings("unchecked")
    public List<Object> getList(String key) {
        return get(key, List.class);
    }

    /** The map of {@code key}, unmodifiable (null if the value is null). */
    @SuppressWarnings("unchecked")
    public Map<String, Object> getMap(String key) {
        return get(key, Map.class);
    }

    /** Removes {@code key}; returns the value it had, or null. */
    public Object remove(String key) {
        return values.remove(Objects.requireNonNull(key, "key"));
    }

    /** The keys, in the order they were first set; unmodifiable. */
    public Set<String> keys() {
        return Collections.unmodifiableSet(values.keySet());
    }

    /** How many keys the context has. */
    public int size() {
        return values.size();
    }

    /** A copy of the values, every map and list in it a new modifiable one. */
    public Map<String, Object> toMap() {
        return ContextValues.modifiableCopy(values);
    }

    /** A copy of this context, independent of it. */
    public Context copy() {
        return new Context(new LinkedHashMap<>(values));
    }

    /** The values in insertion order, as held. */
    Map<String, Object> values() {
        return values;
    }

    private Object present(String key) {
        Objects.requireNonNull(key, "key");
        if (!values.containsKey(key)) {
            throw new NoSuchElementException("The context has no key '" + key + "'; its keys are " + values.keySet());
        }
        return values.get(key);
    }

    private static <T> T notNull(String key, T value) {
        if (value == null) {
            throw new IllegalArgumentException("Context key '" + key + "' holds null, not a value of a primitive type");
        }
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Context other && values.equals(other.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return "Context" + values;
    }
}
