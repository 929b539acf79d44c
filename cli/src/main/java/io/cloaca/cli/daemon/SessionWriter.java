package io.cloaca.cli.daemon;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Sends a session's frames to its client, in order, from a thread of its own. Once the exit code is
 * sent, or the client is gone, everything else is dropped: output a script makes after its client left
 * has nowhere to go.
 *
 * <p>Why a thread: a socket channel is closed for good when a thread writing to it is interrupted, and
 * the threads that print (task workers, the script's own threads) are interrupted when runners stop or a
 * task times out. Written from those threads, one log line at shutdown would cut the client off before
 * its exit code. The writer thread is interrupted by no one.
 */
final class SessionWriter {

    /** Marks the end of the frames: the writer thread flushes and ends. */
    private static final Frame END = new Frame.InputEnd();

    private final DataOutputStream out;
    /** Bounded: a client that stops reading slows the script down, as a full pipe would. */
    private final BlockingQueue<Frame> queue = new ArrayBlockingQueue<>(1024);
    private final Thread thread;
    private boolean exitSent;
    private volatile boolean clientGone;

    SessionWriter(OutputStream out) {
        this.out = new DataOutputStream(new java.io.BufferedOutputStream(out, 65536 + 16));
        this.thread = new Thread(this::writeFrames, "cloaca-session-writer");
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues {@code frame} for the client (dropped once the exit code was sent or the client is gone). */
    synchronized void send(Frame frame) {
        if (!exitSent && !clientGone) {
            putUninterruptibly(frame);
        }
    }

    /** Sends the exit code unless one was sent; returns whether this call sent it. */
    synchronized boolean exit(int code) {
        if (exitSent || clientGone) {
            return false;
        }
        putUninterruptibly(new Frame.Exit(code));
        exitSent = true;
        return true;
    }

    /** Whether the exit code was sent, or the client can no longer be written to. */
    synchronized boolean exited() {
        return exitSent || clientGone;
    }

    /** Waits until every queued frame was written (or dropped) and the writer thread has ended. */
    void finish() {
        putUninterruptibly(END);
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void putUninterruptibly(Frame frame) {
        boolean interrupted = false;
        while (true) {
            try {
                queue.put(frame);
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void writeFrames() {
        while (true) {
            Frame frame;
            try {
                frame = queue.take();
            } catch (InterruptedException e) {
                continue;
            }
            if (frame == END) {
                return;
            }
            if (clientGone) {
                continue;
            }
            try {
                Frame.write(out, frame);
            } catch (IOException e) {
                clientGone = true;
            }
        }
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
