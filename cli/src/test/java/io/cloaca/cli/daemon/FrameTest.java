package io.cloaca.cli.daemon;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Every frame reads back as written; bytes stay bytes; an unknown tag is an error naming it. */
class FrameTest {

    private static Frame roundTrip(Frame frame) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Frame.write(new DataOutputStream(bytes), frame);
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()));
        Frame read = Frame.read(in);
        assertNull(Frame.read(in), "one frame, nothing after it");
        return read;
    }

    @Test
    void frames_read_back_as_written() throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/bin");
        env.put("EMPTY", "");
        env.put("UNICODE", "h\u00e9llo \u2603");
        Frame.Start start = new Frame.Start(List.of("run", "script.py", "--x", ""), env, "/tmp/folder", true);
        assertEquals(start, roundTrip(start));
        assertEquals(new Frame.Signal("INT"), roundTrip(new Frame.Signal("INT")));
        assertEquals(new Frame.Exit(130), roundTrip(new Frame.Exit(130)));
        assertEquals(new Frame.Info("idle 3 s"), roundTrip(new Frame.Info("idle 3 s")));
        for (Frame empty : List.of(new Frame.InputEnd(), new Frame.Status(), new Frame.Stop(), new Frame.Accepted(),
                new Frame.Busy())) {
            assertEquals(empty, roundTrip(empty));
        }
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        assertArrayEquals(all, ((Frame.Input) roundTrip(new Frame.Input(all))).bytes());
        Frame.Output err = (Frame.Output) roundTrip(new Frame.Output(2, all));
        assertEquals(2, err.stream());
        assertArrayEquals(all, err.bytes());
    }

    @Test
    void an_unknown_tag_is_an_error_that_names_it() {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(new byte[] {'Z'}));
        IOException e = assertThrows(IOException.class, () -> Frame.read(in));
        assertEquals("unknown frame tag 90 (client and daemon of different versions?)", e.getMessage());
        assertInstanceOf(IOException.class, e);
    }
}
