package io.cloaca.cli.daemon;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The background runtime: a JVM that keeps GraalPy's engine warm and runs one {@code cloaca run} at a
 * time for clients on its Unix socket ({@code -Dcloaca.daemon.socket}). Busy, it refuses at once; idle
 * for {@code CLOACA_DAEMON_IDLE_SECONDS} (default 900), asked to stop, with a jar of its class path
 * changed, or after a session that left a thread running, it exits.
 */
public final class DaemonServer {

    /** A daemon started ahead of need, which warms up before its first session. */
    static final String STANDBY_PROPERTY = "cloaca.daemon.standby";
    static final String IDLE_VARIABLE = "CLOACA_DAEMON_IDLE_SECONDS";
    private static final long DEFAULT_IDLE_SECONDS = 900;

    /** The daemon's log file (its stderr); System.err belongs to the session while one runs. */
    private static final java.io.PrintStream LOG = System.err;

    private final Path socket;
    private final String key;
    private final Duration idleTimeout;
    private final List<JarStamp> jars;
    private final Instant started = Instant.now();
    private final AtomicBoolean busy = new AtomicBoolean();
    private final java.util.concurrent.CountDownLatch warmed = new java.util.concurrent.CountDownLatch(1);
    private volatile Instant idleSince = started;
    private volatile boolean retiring;
    private volatile int sessions;
    /** The file key of the socket this daemon published, so that it removes only its own. */
    private volatile Object published;

    private record JarStamp(Path jar, long modified) {
        boolean changed() {
            try {
                return Files.getLastModifiedTime(jar).toMillis() != modified;
            } catch (IOException e) {
                return true;
            }
        }
    }

    private DaemonServer(Path socket, String key, Duration idleTimeout) {
        this.socket = socket;
        this.key = key;
        this.idleTimeout = idleTimeout;
        this.jars = jarStamps();
    }

    public static void main(String[] args) throws IOException {
        Path socket = Path.of(System.getProperty("cloaca.daemon.socket"));
        Duration idle;
        try {
            idle = idleTimeout(System.getenv(IDLE_VARIABLE));
        } catch (IllegalArgumentException e) {
            System.err.println("cloaca daemon: " + e.getMessage());
            System.exit(2);
            return;
        }
        new DaemonServer(socket, System.getProperty("cloaca.daemon.key", ""), idle).serve();
    }

    static Duration idleTimeout(String value) {
        if (value == null || value.isBlank()) {
            return Duration.ofSeconds(DEFAULT_IDLE_SECONDS);
        }
        try {
            long seconds = Long.parseLong(value.trim());
            if (seconds > 0) {
                return Duration.ofSeconds(seconds);
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(IDLE_VARIABLE + " must be a whole number of seconds above 0, not '" + value + "'");
    }

    private void serve() throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        published = SocketFolder.publish(server, socket);
        if (published == null) {
            // Two daemons started for one free name (a client's and a standby); the first one serves.
            log(socket.getFileName() + " has a daemon already; exiting");
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(this::removeSocket, "cloaca-daemon-cleanup"));
        log("listening on " + socket + " (pid " + ProcessHandle.current().pid() + ", idle timeout "
                + idleTimeout.toSeconds() + " s)");
        if (Boolean.getBoolean(STANDBY_PROPERTY)) {
            // No client waits for a standby: it warms up before it takes the first one (who waits for
            // the warm-up to end, still less than a JVM of its own would take); status answers at once.
            Thread warmUp = new Thread(() -> {
                DaemonWarmUp.run();
                log("warmed up");
                warmed.countDown();
            }, "cloaca-daemon-warm-up");
            warmUp.start();
        } else {
            warmed.countDown();
        }
        Thread watchdog = new Thread(this::watch, "cloaca-daemon-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        while (true) {
            SocketChannel channel = server.accept();
            Thread handler = new Thread(() -> handle(channel), "cloaca-daemon-connection");
            handler.start();
        }
    }

    private void handle(SocketChannel channel) {
        try {
            DataInputStream in = new DataInputStream(new BufferedInputStream(ChannelStreams.in(channel)));
            DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(ChannelStreams.out(channel)));
            Frame first = Frame.read(in);
            if (first instanceof Frame.Start start) {
                awaitWarmUp();
                if (retiring || !busy.compareAndSet(false, true)) {
                    Frame.write(out, new Frame.Busy());
                    channel.close();
                    return;
                }
                runSession(channel, start);
            } else if (first instanceof Frame.Status) {
                Frame.write(out, new Frame.Info(status()));
                channel.close();
            } else if (first instanceof Frame.Stop) {
                retiring = true;
                Frame.write(out, new Frame.Info("stopping " + socket.getFileName() + (busy.get() ? " after its session" : "")));
                channel.close();
                exitIfIdle();
            } else {
                channel.close();
            }
        } catch (IOException e) {
            log("connection failed: " + e);
        }
    }

    private void awaitWarmUp() {
        try {
            warmed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void runSession(SocketChannel channel, Frame.Start start) throws IOException {
        standbyIfStillBusy(sessions);
        boolean clean = false;
        long began = System.nanoTime();
        try {
            clean = new DaemonSession(channel, start, this::clientGone).run();
        } finally {
            log("session " + (sessions + 1) + " took " + (System.nanoTime() - began) / 1_000_000 + " ms"
                    + (clean ? "" : "; it left a thread running, retiring"));
            sessions++;
            idleSince = Instant.now();
            if (!clean) {
                retiring = true;
            }
            busy.set(false);
            exitIfIdle();
        }
    }

    /**
     * The client died without its exit code (kill -9): end as a JVM of its own would have, at once and
     * without writing anything more, so that its runners' claims are recovered by the next process as
     * after any crash (a cancelled task body must not be recorded as a failure).
     */
    private void clientGone() {
        log("client gone mid-session; ending as it did");
        removeSocket();
        Runtime.getRuntime().halt(137);
    }

    /**
     * Starts a standby ({@link #startStandbyUnlessOneIsIdle}) once session {@code session} has run for
     * {@link #STANDBY_DELAY}, and this JVM for {@link #COLD_START}: a short script (most are) ends before
     * that and leaves this daemon idle for the next one, and the first run of all, which starts this daemon
     * and pays for a cold engine, does not share the cores with a second JVM starting up.
     */
    private void standbyIfStillBusy(int session) {
        long uptime = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
        long wait = Math.max(STANDBY_DELAY.toMillis(), COLD_START.toMillis() - uptime);
        Thread delayed = new Thread(() -> {
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                return;
            }
            if (busy.get() && sessions == session) {
                startStandbyUnlessOneIsIdle();
            }
        }, "cloaca-daemon-standby");
        delayed.setDaemon(true);
        delayed.start();
    }

    /** How long a session runs before this daemon starts a standby. */
    static final java.time.Duration STANDBY_DELAY = java.time.Duration.ofSeconds(2);
    /** How long a cold daemon's first hello session takes at most on the machines measured (3-4 s). */
    static final java.time.Duration COLD_START = java.time.Duration.ofSeconds(6);

    /**
     * Keeps one idle daemon of this key ready while this one is busy: the next {@code cloaca run}, and
     * above all the one that resumes a killed run (whose daemon ended with it), then starts warm. It is
     * started when no other daemon of the key is idle, at low priority, in a session of its own and
     * outside this process tree (a kill of this tree must not take it along).
     */
    private void startStandbyUnlessOneIsIdle() {
        SocketFolder folder = new SocketFolder(socket.getParent());
        try {
            int free = -1;
            for (int n = 0; n < SocketFolder.MAX_PER_KEY; n++) {
                Path other = folder.socket(key, n);
                if (other.equals(socket)) {
                    continue;
                }
                if (Files.exists(other)) {
                    String status = SocketFolder.ask(other, new Frame.Status());
                    if (status != null && (status.contains(" idle ") || status.contains(" warming "))) {
                        return;
                    }
                    if (status != null) {
                        continue;
                    }
                }
                free = free < 0 ? n : free;
            }
            if (free < 0) {
                return;
            }
            ProcessHandle.Info self = ProcessHandle.current().info();
            List<String> command = new ArrayList<>(List.of("setsid", "-f", "nice", "-n", "10",
                    self.command().orElseThrow()));
            for (String arg : self.arguments().orElseThrow()) {
                if (arg.startsWith("-Dcloaca.daemon.socket=") || arg.startsWith("-D" + STANDBY_PROPERTY + "=")) {
                    continue;
                }
                if (arg.equals(DaemonServer.class.getName())) {
                    command.add("-Dcloaca.daemon.socket=" + folder.socket(key, free));
                    command.add("-D" + STANDBY_PROPERTY + "=true");
                }
                command.add(arg);
            }
            new ProcessBuilder(command).directory(Path.of("/").toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(folder.log(key, free).toFile()))
                    .redirectErrorStream(true).start();
            log("started a standby daemon on " + folder.socket(key, free).getFileName());
        } catch (IOException | RuntimeException e) {
            log("could not start a standby daemon: " + e);
        }
    }

    private void watch() {
        while (true) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            if (!busy.get()) {
                if (Duration.between(idleSince, Instant.now()).compareTo(idleTimeout) >= 0) {
                    log("idle for " + idleTimeout.toSeconds() + " s");
                    retiring = true;
                } else if (jars.stream().anyMatch(JarStamp::changed)) {
                    log("a jar of the class path changed");
                    retiring = true;
                }
                exitIfIdle();
            }
        }
    }

    private synchronized void exitIfIdle() {
        if (retiring && busy.compareAndSet(false, true)) {
            log("exiting after " + sessions + " sessions");
            System.exit(0);
        }
    }

    private String status() {
        long idle = busy.get() ? 0 : Duration.between(idleSince, Instant.now()).toSeconds();
        return socket.getFileName() + "  pid " + ProcessHandle.current().pid() + "  "
                + (warmed.getCount() > 0 ? "warming" : busy.get() ? "busy" : retiring ? "stopping" : "idle " + idle + " s")
                + "  sessions " + sessions
                + "  up " + Duration.between(started, Instant.now()).toSeconds() + " s  key " + key;
    }

    private void removeSocket() {
        SocketFolder.removeIfSame(socket, published);
    }

    private static List<JarStamp> jarStamps() {
        List<JarStamp> stamps = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
            Path jar = Path.of(entry);
            try {
                stamps.add(new JarStamp(jar, Files.getLastModifiedTime(jar).toMillis()));
            } catch (IOException | RuntimeException ignored) {
                // not a file
            }
        }
        return stamps;
    }

    private static void log(String message) {
        LOG.println(Instant.now() + " cloaca daemon: " + message);
    }
}
