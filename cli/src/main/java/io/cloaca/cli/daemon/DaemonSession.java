package io.cloaca.cli.daemon;

import io.cloaca.cli.Invocation;
import io.cloaca.cli.Main;
import io.cloaca.python.PythonRuntime;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * One {@code cloaca run} for a client: a fresh Python runtime (context, registry, runners) with the
 * client's arguments, environment, folder and stdin; stdout, stderr and Java's log lines go back to it
 * while the session runs. Signals the client forwards act as they would on a JVM of its own: INT raises
 * {@code KeyboardInterrupt}, TERM shuts the runners down gracefully and exits 143.
 */
final class DaemonSession {

    private static final int TERMINATED = 143;

    private final SocketChannel channel;
    private final Frame.Start start;
    private final Runnable onClientGone;
    private final SessionWriter writer;
    private final SessionInput stdin = new SessionInput();
    private volatile PythonRuntime runtime;
    /** The client got its exit code before the script ended (SIGTERM, a second Ctrl-C): end it without output. */
    private volatile boolean abandoned;

    /**
     * @param onClientGone what to do when the client disappears without an exit code (killed): the
     *                     daemon ends as abruptly as the client did
     */
    DaemonSession(SocketChannel channel, Frame.Start start, Runnable onClientGone) throws IOException {
        this.channel = channel;
        this.start = start;
        this.onClientGone = onClientGone;
        this.writer = new SessionWriter(ChannelStreams.out(channel));
    }

    /** Runs the session; returns whether it left this JVM clean (no thread of the script still running). */
    boolean run() throws IOException {
        Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
        DataInputStream in = new DataInputStream(new BufferedInputStream(ChannelStreams.in(channel)));
        writer.send(new Frame.Accepted());
        Thread reader = new Thread(() -> readClient(in), "cloaca-session-client");
        reader.setDaemon(true);
        reader.start();

        PrintStream out = new PrintStream(writer.stream(1), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(writer.stream(2), true, StandardCharsets.UTF_8);
        PrintStream daemonOut = System.out;
        PrintStream daemonErr = System.err;
        Invocation invocation = new Invocation(start.environment(), Path.of(start.workingDirectory()), stdin,
                start.terminal(), this::started, this::secondInterrupt);
        int code;
        System.setOut(out);
        System.setErr(err);
        try {
            code = Main.execute(invocation, start.args().toArray(String[]::new));
        } catch (RuntimeException | Error e) {
            e.printStackTrace(err);
            code = 1;
        } finally {
            out.flush();
            err.flush();
            System.setOut(daemonOut);
            System.setErr(daemonErr);
        }
        writer.exit(code);
        writer.finish();
        channel.close();
        return noThreadLeft(before);
    }

    private void started(PythonRuntime python) {
        runtime = python;
        if (abandoned) {
            // Ctrl-C or SIGTERM came while the runtime was being built: as on a JVM of its own, the
            // script does not run.
            throw new IllegalStateException("the session ended before the script started");
        }
    }

    private void readClient(DataInputStream in) {
        try {
            Frame frame;
            while ((frame = Frame.read(in)) != null) {
                if (frame instanceof Frame.Input input) {
                    stdin.add(input.bytes());
                } else if (frame instanceof Frame.InputEnd) {
                    stdin.end();
                } else if (frame instanceof Frame.Signal signal) {
                    onSignal(signal.name());
                }
            }
        } catch (IOException e) {
            // the connection broke: as if the client had ended
        }
        if (!writer.exited()) {
            onClientGone.run();
        }
    }

    private void onSignal(String name) {
        PythonRuntime python = runtime;
        if ("INT".equals(name)) {
            if (python != null) {
                python.interrupt();
            } else {
                abandon(PythonRuntime.KEYBOARD_INTERRUPT_STATUS);
            }
        } else if ("TERM".equals(name)) {
            // As the shutdown hook of a JVM of its own: running tasks finish, unstarted claims go back.
            if (python != null) {
                python.runners().close();
            }
            abandon(TERMINATED);
        }
    }

    /** A second Ctrl-C while runners stop: the client exits 130 at once; the runners finish stopping here. */
    private void secondInterrupt() {
        writer.exit(PythonRuntime.KEYBOARD_INTERRUPT_STATUS);
        abandoned = true;
    }

    /** Gives the client its exit code now and stops the script (its output has nowhere to go any more). */
    private void abandon(int code) {
        writer.exit(code);
        abandoned = true;
        PythonRuntime python = runtime;
        if (python != null) {
            Thread cancel = new Thread(() -> {
                try {
                    python.context().close(true);
                } catch (RuntimeException ignored) {
                    // already closed
                }
            }, "cloaca-session-cancel");
            cancel.setDaemon(true);
            cancel.start();
        }
    }

    /** Whether every non-daemon thread the session started has ended (given two seconds to do so). */
    private static boolean noThreadLeft(Set<Thread> before) {
        long deadline = System.nanoTime() + 2_000_000_000L;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (before.contains(t) || t.isDaemon()) {
                continue;
            }
            try {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            if (t.isAlive()) {
                System.err.println("cloaca daemon: the session left thread '" + t.getName() + "' running; retiring");
                return false;
            }
        }
        return true;
    }
}
