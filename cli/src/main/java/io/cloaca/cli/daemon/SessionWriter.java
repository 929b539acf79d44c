package io.cloaca.cli.daemon;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * Sends a session's frames to its client, one at a time. Once the exit code is sent, or the client is
 * gone, everything else is dropped: output a script makes after its client left has nowhere to go.
 */
final class SessionWriter {

    private final DataOutputStream out;
    private boolean closed;

    SessionWriter(OutputStream out) {
        this.out = new DataOutputStream(new java.io.BufferedOutputStream(out, 65536 + 16));
    }

    synchronized void send(Frame frame) {
        if (closed) {
            return;
        }
        try {
            Frame.write(out, frame);
        } catch (IOException e) {
            closed = true;
        }
    }

    /** Sends the exit code unless one was sent; returns whether this call sent it. */
    synchronized boolean exit(int code) {
        if (closed) {
            return false;
        }
        send(new Frame.Exit(code));
        closed = true;
        return true;
    }

    synchronized boolean exited() {
        return closed;
    }

    /** Stdout (1) or stderr (2) of the session, unbuffered: every write is a frame. */
    OutputStream stream(int number) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                send(new Frame.Output(number, new byte[] {(byte) b}));
            }

            @Override
            public void write(byte[] b, int off, int len) {
                if (len > 0) {
                    send(new Frame.Output(number, Arrays.copyOfRange(b, off, off + len)));
                }
            }
        };
    }
}
