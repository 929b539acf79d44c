package io.cloaca.cli.daemon;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A message between the {@code cloaca} client and a background runtime, written as a tag byte and its
 * fields (ints, length-prefixed UTF-8 strings and byte arrays). The client opens with {@link Start},
 * {@link Status} or {@link Stop}; a session then streams {@link Input} and {@link Signal} one way and
 * {@link Output} the other, until the daemon's {@link Exit}.
 */
sealed interface Frame {

    /** Runs {@code cloaca args...} for the client: its environment, folder and whether it has a terminal. */
    record Start(List<String> args, Map<String, String> environment, String workingDirectory, boolean terminal)
            implements Frame {
    }

    /** Bytes the client read from its stdin. */
    record Input(byte[] bytes) implements Frame {
    }

    /** The client's stdin reached its end. */
    record InputEnd() implements Frame {
    }

    /** A signal the client received: {@code INT} or {@code TERM}. */
    record Signal(String name) implements Frame {
    }

    /** Asks what the daemon is doing; answered by {@link Info}. */
    record Status() implements Frame {
    }

    /** Asks the daemon to exit as soon as it is idle; answered by {@link Info}. */
    record Stop() implements Frame {
    }

    /** The daemon took the session: stdin may now be sent. */
    record Accepted() implements Frame {
    }

    /** The daemon is running another session: try another one. */
    record Busy() implements Frame {
    }

    /** Bytes for the client's stdout ({@code stream} 1) or stderr (2). */
    record Output(int stream, byte[] bytes) implements Frame {
    }

    /** The session ended with this exit code. */
    record Exit(int code) implements Frame {
    }

    /** One line answering {@link Status} or {@link Stop}. */
    record Info(String text) implements Frame {
    }

    static void write(DataOutputStream out, Frame frame) throws IOException {
        // Java 17: no pattern matching in switch yet.
        if (frame instanceof Start s) {
            out.writeByte('S');
            out.writeInt(s.args().size());
            for (String arg : s.args()) {
                writeString(out, arg);
            }
            out.writeInt(s.environment().size());
            for (Map.Entry<String, String> e : s.environment().entrySet()) {
                writeString(out, e.getKey());
                writeString(out, e.getValue());
            }
            writeString(out, s.workingDirectory());
            out.writeBoolean(s.terminal());
        } else if (frame instanceof Input i) {
            out.writeByte('I');
            writeBytes(out, i.bytes());
        } else if (frame instanceof Signal s) {
            out.writeByte('G');
            writeString(out, s.name());
        } else if (frame instanceof Output o) {
            out.writeByte('O');
            out.writeByte(o.stream());
            writeBytes(out, o.bytes());
        } else if (frame instanceof Exit x) {
            out.writeByte('X');
            out.writeInt(x.code());
        } else if (frame instanceof Info i) {
            out.writeByte('N');
            writeString(out, i.text());
        } else {
            out.writeByte(frame instanceof InputEnd ? 'E' : frame instanceof Status ? '?' : frame instanceof Stop ? 'Q'
                    : frame instanceof Accepted ? 'A' : 'B');
        }
        out.flush();
    }

    /** The next frame, or null at the end of the stream. */
    static Frame read(DataInputStream in) throws IOException {
        int tag = in.read();
        if (tag < 0) {
            return null;
        }
        return switch (tag) {
            case 'S' -> {
                int count = in.readInt();
                List<String> args = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    args.add(readString(in));
                }
                int vars = in.readInt();
                Map<String, String> env = new LinkedHashMap<>();
                for (int i = 0; i < vars; i++) {
                    env.put(readString(in), readString(in));
                }
                yield new Start(args, env, readString(in), in.readBoolean());
            }
            case 'I' -> new Input(readBytes(in));
            case 'E' -> new InputEnd();
            case 'G' -> new Signal(readString(in));
            case '?' -> new Status();
            case 'Q' -> new Stop();
            case 'A' -> new Accepted();
            case 'B' -> new Busy();
            case 'O' -> new Output(in.readUnsignedByte(), readBytes(in));
            case 'X' -> new Exit(in.readInt());
            case 'N' -> new Info(readString(in));
            default -> throw new IOException("unknown frame tag " + tag + " (client and daemon of different versions?)");
        };
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        writeBytes(out, s.getBytes(StandardCharsets.UTF_8));
    }

    private static String readString(DataInputStream in) throws IOException {
        return new String(readBytes(in), StandardCharsets.UTF_8);
    }

    private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            throw new EOFException("negative length");
        }
        return in.readNBytes(length);
    }
}
