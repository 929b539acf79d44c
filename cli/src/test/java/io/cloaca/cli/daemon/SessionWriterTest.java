package io.cloaca.cli.daemon;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A session's frames reach the client in order, whatever the thread that prints them. */
class SessionWriterTest {

    @TempDir
    Path dir;

    @Test
    void a_line_printed_by_an_interrupted_thread_does_not_cut_the_client_off() throws Exception {
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(dir.resolve("s"));
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(address);
            try (SocketChannel client = SocketChannel.open(address); SocketChannel daemon = server.accept()) {
                SessionWriter writer = new SessionWriter(ChannelStreams.out(daemon));
                writer.send(new Frame.Accepted());
                // As a task worker does when its runner stops: it is interrupted, then logs a line.
                Thread worker = new Thread(() -> {
                    Thread.currentThread().interrupt();
                    try {
                        writer.stream(2).write("worker stopped\n".getBytes(StandardCharsets.UTF_8));
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                    assertTrue(Thread.currentThread().isInterrupted(), "the worker keeps its interrupt");
                });
                worker.start();
                worker.join();
                assertTrue(writer.exit(0));
                assertFalse(writer.exit(1), "one exit code");
                writer.finish();
                assertTrue(daemon.isOpen(), "the session's channel stays open");

                DataInputStream in = new DataInputStream(new BufferedInputStream(ChannelStreams.in(client)));
                List<Frame> frames = new ArrayList<>();
                for (Frame f; frames.size() < 3 && (f = Frame.read(in)) != null; ) {
                    frames.add(f);
                }
                assertEquals(3, frames.size(), frames::toString);
                assertEquals(new Frame.Accepted(), frames.get(0));
                Frame.Output line = (Frame.Output) frames.get(1);
                assertEquals(2, line.stream());
                assertEquals("worker stopped\n", new String(line.bytes(), StandardCharsets.UTF_8));
                assertEquals(new Frame.Exit(0), frames.get(2));
                daemon.close();
                assertNull(Frame.read(in), "nothing after the exit code");
            }
        }
    }

    @Test
    void frames_for_a_client_that_is_gone_are_dropped_and_the_session_still_finishes() throws Exception {
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(dir.resolve("s"));
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(address);
            SocketChannel client = SocketChannel.open(address);
            try (SocketChannel daemon = server.accept()) {
                SessionWriter writer = new SessionWriter(ChannelStreams.out(daemon));
                client.close();
                // More than the queue and the socket's buffers hold: the writer must drop, not block.
                byte[] chunk = new byte[65536];
                for (int i = 0; i < 200 && !writer.exited(); i++) {
                    writer.stream(1).write(chunk);
                }
                writer.finish();
                assertTrue(writer.exited(), "a client that cannot be written to counts as gone");
                assertFalse(writer.exit(0));
            }
        }
    }
}
