package io.cloaca.cli.daemon;

import sun.misc.Signal;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code cloaca run} through a background runtime: a small JVM (JDK classes only) that finds an idle
 * daemon of its key, or starts one, hands it the command with this process's environment, folder and
 * terminal, then relays stdin, stdout, stderr and SIGINT/SIGTERM until the daemon sends the exit code.
 * When no daemon can be started or reached, it runs the command in a JVM of its own, as without daemons.
 *
 * <p>Arguments: the java command that starts a cloaca JVM (java, options, {@code -cp} class path), then
 * {@code --}, then the cloaca arguments. System properties {@code cloaca.daemon.dir} and
 * {@code cloaca.daemon.key} name the socket folder and the compatibility key.
 */
public final class DaemonClient {

    /** How long a starting daemon may take to listen before the command runs without one. */
    private static final long START_TIMEOUT_MS = 60_000;

    private final SocketFolder folder;
    private final String key;
    private final List<String> java;
    private final List<String> args;

    private DaemonClient(SocketFolder folder, String key, List<String> java, List<String> args) {
        this.folder = folder;
        this.key = key;
        this.java = java;
        this.args = args;
    }

    public static void main(String[] argv) {
        int split = Arrays.asList(argv).indexOf("--");
        List<String> java = List.of(Arrays.copyOfRange(argv, 0, split));
        List<String> args = List.of(Arrays.copyOfRange(argv, split + 1, argv.length));
        String key = System.getProperty("cloaca.daemon.key", "");
        int code;
        try {
            SocketFolder folder = SocketFolder.fromProperty();
            folder.checkPrivate();
            code = new DaemonClient(folder, key, java, args).run();
        } catch (IOException | RuntimeException e) {
            debug("no background runtime (" + e.getMessage() + "); running in this process");
            code = runWithoutDaemon(java, args);
        }
        System.exit(code);
    }

    private int run() throws IOException {
        for (int attempt = 0; attempt < 3; attempt++) {
            int free = -1;
            for (int n = 0; n < SocketFolder.MAX_PER_KEY; n++) {
                Path socket = folder.socket(key, n);
                if (!Files.exists(socket)) {
                    free = free < 0 ? n : free;
                    continue;
                }
                Integer code = trySession(socket);
                if (code != null) {
                    return code;
                }
            }
            if (free < 0) {
                break;
            }
            Integer code = startAndUse(free);
            if (code != null) {
                return code;
            }
        }
        debug("no idle background runtime could be started; running in this process");
        return runWithoutDaemon(java, args);
    }

    /** Runs the session on {@code socket}, or returns null when its daemon is busy or gone (a stale socket is removed). */
    private Integer trySession(Path socket) throws IOException {
        SocketChannel channel = SocketFolder.connect(socket);
        if (channel == null) {
            return null;
        }
        try (channel) {
            DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(ChannelStreams.out(channel)));
            DataInputStream in = new DataInputStream(new BufferedInputStream(ChannelStreams.in(channel)));
            Frame.write(out, new Frame.Start(args, System.getenv(), Path.of("").toAbsolutePath().toString(),
                    System.console() != null));
            Frame first;
            try {
                first = Frame.read(in);
            } catch (IOException e) {
                return null;
            }
            if (!(first instanceof Frame.Accepted)) {
                return null;
            }
            return new ClientSession(in, out).relay();
        }
    }

    /** Starts a daemon on socket number {@code n} and runs the session on it once it listens. */
    private Integer startAndUse(int n) throws IOException {
        Path socket = folder.socket(key, n);
        List<String> command = new ArrayList<>();
        for (String setsid : List.of("/usr/bin/setsid", "/bin/setsid")) {
            // A session of its own: the terminal's Ctrl-C reaches the client only, which forwards it.
            if (Files.isExecutable(Path.of(setsid))) {
                command.add(setsid);
                break;
            }
        }
        command.addAll(java);
        command.add("-Dcloaca.daemon.socket=" + socket);
        command.add("-Dcloaca.daemon.key=" + key);
        // By name: the client must not load the server's classes (GraalPy's with them).
        command.add("io.cloaca.cli.daemon.DaemonServer");
        Path log = folder.log(key, n);
        Process daemon = new ProcessBuilder(command).directory(Path.of("/").toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).redirectErrorStream(true).start();
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            if (Files.exists(socket)) {
                Integer code = trySession(socket);
                if (code != null || !daemon.isAlive()) {
                    return code;
                }
            } else if (!daemon.isAlive()) {
                debug("the background runtime exited with " + daemon.exitValue() + " (see " + log + ")");
                return null;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    /** Runs the command in a JVM of its own (the launcher's in-process path), relaying SIGTERM. */
    static int runWithoutDaemon(List<String> java, List<String> args) {
        List<String> command = new ArrayList<>(java);
        command.add("io.cloaca.cli.Main");
        command.addAll(args);
        try {
            Process child = new ProcessBuilder(command).inheritIO().start();
            // A terminal's Ctrl-C reaches the child directly (same process group); a handler, not SIG_IGN,
            // so that the child does not inherit an ignored SIGINT.
            Signal.handle(new Signal("INT"), signal -> { });
            Signal.handle(new Signal("TERM"), signal -> child.destroy());
            return child.waitFor();
        } catch (IOException e) {
            System.err.println("cloaca: cannot start " + command.get(0) + ": " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            return 130;
        }
    }

    private static void debug(String message) {
        if (System.getenv("CLOACA_DAEMON_DEBUG") != null) {
            System.err.println("cloaca: " + message);
        }
    }

    /** One accepted session: stdin and signals to the daemon, its output to ours, until its exit code. */
    private static final class ClientSession {
        private final DataInputStream in;
        private final DataOutputStream out;

        ClientSession(DataInputStream in, DataOutputStream out) {
            this.in = in;
            this.out = out;
        }

        int relay() throws IOException {
            forwardSignal("INT");
            forwardSignal("TERM");
            Thread stdin = new Thread(this::pumpStdin, "cloaca-stdin");
            stdin.setDaemon(true);
            stdin.start();
            OutputStream stdout = new FileOutputStream(FileDescriptor.out);
            OutputStream stderr = new FileOutputStream(FileDescriptor.err);
            while (true) {
                Frame frame = Frame.read(in);
                if (frame == null) {
                    stderr.write("cloaca: the background runtime ended unexpectedly\n".getBytes());
                    return 1;
                }
                if (frame instanceof Frame.Output o) {
                    (o.stream() == 2 ? stderr : stdout).write(o.bytes());
                } else if (frame instanceof Frame.Exit x) {
                    return x.code();
                }
            }
        }

        private void send(Frame frame) {
            try {
                synchronized (out) {
                    Frame.write(out, frame);
                }
            } catch (IOException e) {
                // the daemon has gone; the main loop reports it
            }
        }

        private void forwardSignal(String name) {
            Signal.handle(new Signal(name), signal -> send(new Frame.Signal(name)));
        }

        private void pumpStdin() {
            InputStream stdin = new FileInputStream(FileDescriptor.in);
            byte[] buffer = new byte[65536];
            try {
                int n;
                while ((n = stdin.read(buffer)) >= 0) {
                    if (n > 0) {
                        send(new Frame.Input(Arrays.copyOf(buffer, n)));
                    }
                }
            } catch (IOException e) {
                // an unreadable stdin ends like an empty one
            }
            send(new Frame.InputEnd());
        }
    }
}
