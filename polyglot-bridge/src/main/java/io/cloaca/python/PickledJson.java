package io.cloaca.python;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.cloaca.engine.context.Context;
import java.io.IOException;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

import static io.cloaca.python.PickleOpcodes.*;

/**
 * JSON values written as a pickle (protocol 2) for Python's {@code _pickle.loads}: how contexts reach
 * Python. GraalPy's {@code json.loads} takes time quadratic in the length of each list it reads (every
 * append shifts the list's whole spare capacity; 80,000 elements took 2-3.5 s, a dict of as many keys
 * 0.4 s), while its unpickler builds lists in linear time and small values in a fifth of json.loads's
 * time. Only the opcodes of plain values and the memo (for repeated strings) are written, no globals, so the
 * bytes can build nothing but dicts, lists, str, int, float, bool and None.
 *
 * <p>The bytes travel as a {@link String} of chars 0-255, which crosses into Python as text and becomes
 * {@code bytes} by {@code encode("latin-1")}; a Java {@code byte[]} would be read element by element.
 */
final class PickledJson {

    /** Items per MARK ... APPENDS/SETITEMS group, as CPython's pickler batches them. */
    private static final int BATCH = 1000;

    private final StringBuilder out = new StringBuilder();
    /**
     * How many times each string occurs in the value, keys and values alike. Decoding a string is most
     * of what unpickling a record costs under GraalPy, and a list of records repeats its keys in every
     * record and often values too (a status, a tag): those are written once and then fetched from the
     * unpickler's memo (20,000 four-field records whose two tags were the same strings: 94-102 ms to
     * unpickle with only the keys memoized, 48-49 ms with the tags too). Memoizing every string made
     * values that never repeat slower to send (a memo entry each, 20% more bytes); counting first keeps
     * the memo for strings that occur more than once.
     */
    private final Map<String, Integer> occurrences = new HashMap<>();
    /** Repeated strings already written, by their index in the unpickler's memo. */
    private final Map<String, Integer> memo = new HashMap<>();

    private PickledJson() {
    }

    /** The pickle of {@code value}, one char per byte. */
    static String of(JsonNode value) {
        PickledJson pickle = new PickledJson();
        pickle.out.append(PROTO).append((char) 2);
        pickle.count(value);
        pickle.write(value);
        return pickle.out.append(STOP).toString();
    }

    /**
     * The pickle of the JSON text {@code json}, or null when it is not exactly one JSON value (what
     * follows the value included), so that the caller can let {@code json.loads} say what is wrong.
     */
    static String ofText(String json) {
        try (JsonParser parser = Context.JSON.createParser(json)) {
            JsonNode value = Context.JSON.readTree(parser);
            if (value == null || value.isMissingNode() || parser.nextToken() != null) {
                return null;
            }
            return of(value);
        } catch (IOException e) {
            return null;
        }
    }

    private void write(JsonNode value) {
        switch (value.getNodeType()) {
            case OBJECT -> writeObject(value);
            case ARRAY -> writeArray(value);
            case STRING -> writeString(value.textValue());
            case NUMBER -> {
                if (value.canConvertToInt() && value.isIntegralNumber()) {
                    writeInt(value.intValue());
                } else if (value.isIntegralNumber()) {
                    writeBigInt(value.bigIntegerValue());
                } else {
                    writeFloat(value.doubleValue());
                }
            }
            case BOOLEAN -> out.append(value.booleanValue() ? NEWTRUE : NEWFALSE);
            case NULL -> out.append(NONE);
            // A tree read from JSON text or built as a context holds none of these.
            case MISSING, BINARY, POJO -> throw new IllegalArgumentException("not a JSON value: " + value.getNodeType());
        }
    }

    private void writeObject(JsonNode object) {
        out.append(EMPTY_DICT);
        Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
        while (fields.hasNext()) {
            out.append(MARK);
            for (int n = 0; n < BATCH && fields.hasNext(); n++) {
                Map.Entry<String, JsonNode> field = fields.next();
                writeString(field.getKey());
                write(field.getValue());
            }
            out.append(SETITEMS);
        }
    }

    private void writeArray(JsonNode array) {
        out.append(EMPTY_LIST);
        Iterator<JsonNode> elements = array.elements();
        while (elements.hasNext()) {
            out.append(MARK);
            for (int n = 0; n < BATCH && elements.hasNext(); n++) {
                write(elements.next());
            }
            out.append(APPENDS);
        }
    }

    private void writeInt(int v) {
        if (v >= 0 && v < 0x100) {
            out.append(BININT1).append((char) v);
        } else if (v >= 0 && v < 0x10000) {
            out.append(BININT2).append((char) (v & 0xff)).append((char) (v >>> 8));
        } else {
            out.append(BININT);
            writeInt32(v);
        }
    }

    /** Beyond 32 bits: two's complement, little-endian, as LONG1/LONG4 want it. */
    private void writeBigInt(BigInteger value) {
        byte[] bigEndian = value.toByteArray();
        if (bigEndian.length < 0x100) {
            out.append(LONG1).append((char) bigEndian.length);
        } else {
            out.append(LONG4);
            writeInt32(bigEndian.length);
        }
        for (int i = bigEndian.length - 1; i >= 0; i--) {
            out.append((char) (bigEndian[i] & 0xff));
        }
    }

    private void writeFloat(double value) {
        long bits = Double.doubleToRawLongBits(value);
        out.append(BINFLOAT);
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.append((char) ((bits >>> shift) & 0xff));
        }
    }

    private void count(JsonNode value) {
        switch (value.getNodeType()) {
            case OBJECT -> value.fields().forEachRemaining(field -> {
                occurrences.merge(field.getKey(), 1, Integer::sum);
                count(field.getValue());
            });
            case ARRAY -> value.forEach(this::count);
            case STRING -> occurrences.merge(value.textValue(), 1, Integer::sum);
            default -> { }
        }
    }

    private void writeString(String text) {
        if (occurrences.get(text) == 1) {
            writeText(text);
            return;
        }
        Integer index = memo.get(text);
        if (index != null) {
            writeMemoOp(BINGET, LONG_BINGET, index);
            return;
        }
        writeText(text);
        index = memo.size();
        memo.put(text, index);
        writeMemoOp(BINPUT, LONG_BINPUT, index);
    }

    private void writeMemoOp(char oneByte, char fourBytes, int index) {
        if (index < 0x100) {
            out.append(oneByte).append((char) index);
        } else {
            out.append(fourBytes);
            writeInt32(index);
        }
    }

    /**
     * UTF-8, except that a surrogate without its pair is written as its own three bytes, as Python's
     * "surrogatepass" (with which the unpickler decodes) reads it back: json.loads also gives such a
     * string, and the checks that refuse it stay where they are.
     */
    private void writeText(String text) {
        out.append(BINUNICODE);
        writeInt32(utf8Length(text));
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                out.append(c);
            } else if (c < 0x800) {
                out.append((char) (0xc0 | c >> 6)).append((char) (0x80 | c & 0x3f));
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, text.charAt(++i));
                out.append((char) (0xf0 | cp >> 18)).append((char) (0x80 | cp >> 12 & 0x3f))
                        .append((char) (0x80 | cp >> 6 & 0x3f)).append((char) (0x80 | cp & 0x3f));
            } else {
                out.append((char) (0xe0 | c >> 12)).append((char) (0x80 | c >> 6 & 0x3f)).append((char) (0x80 | c & 0x3f));
            }
        }
    }

    private static int utf8Length(String text) {
        int length = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                length += 1;
            } else if (c < 0x800) {
                length += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                length += 4;
                i++;
            } else {
                length += 3;
            }
        }
        return length;
    }

    private void writeInt32(int v) {
        out.append((char) (v & 0xff)).append((char) (v >>> 8 & 0xff)).append((char) (v >>> 16 & 0xff)).append((char) (v >>> 24));
    }
}
