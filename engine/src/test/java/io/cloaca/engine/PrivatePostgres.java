package io.cloaca.engine;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of the test's own (initdb into a temporary directory, pg_ctl on a free port), for
 * tests that stop and start the server: the shared test server must never be restarted, other test
 * runs use it. The binaries come from {@code /usr/lib/postgresql/<version>/bin} (the newest) or
 * {@code PATH}. As root (CI, this machine) they run as the {@code postgres} OS user through
 * {@code runuser}, since initdb refuses root. When that is impossible the test is skipped with the
 * reason, unless {@code CI=1}, where it fails.
 */
public final class PrivatePostgres implements AutoCloseable {

    private final Path bin;
    private final Path directory;
    private final int port;
    private final boolean asPostgresUser;

    private PrivatePostgres(Path bin, Path directory, int port, boolean asPostgresUser) {
        this.bin = bin;
        this.directory = directory;
        this.port = port;
        this.asPostgresUser = asPostgresUser;
    }

    /** Creates and starts a new cluster; skips the test (fails it on CI) when that is not possible. */
    public static PrivatePostgres start() throws Exception {
        Path bin = binaries();
        require(bin != null, "no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin or on PATH");
        boolean root = "root".equals(System.getProperty("user.name"));
        require(!root || Files.isExecutable(Path.of("/usr/sbin/runuser")) || Files.isExecutable(Path.of("/sbin/runuser")),
                "running as root without runuser: initdb cannot run as root");
        Path directory = Files.createTempDirectory("cloaca-pg-");
        PrivatePostgres pg = new PrivatePostgres(bin, directory, freePort(), root);
        try {
            if (root) {
                UserPrincipal postgres = directory.getFileSystem().getUserPrincipalLookupService()
                        .lookupPrincipalByName("postgres");
                Files.setOwner(directory, postgres);
            }
            pg.run("initdb", "-D", pg.data(), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync");
            pg.startServer();
            return pg;
        } catch (IOException | RuntimeException e) {
            pg.close();
            require(false, "could not start a private PostgreSQL cluster: " + e.getMessage());
            throw e;
        }
    }

    /** Skips the test with {@code reason} when {@code ok} is false, or fails it on CI. */
    private static void require(boolean ok, String reason) {
        if (!ok && "1".equals(System.getenv("CI"))) {
            throw new AssertionError(reason + " (CI=1: this test must run)");
        }
        Assumptions.assumeTrue(ok, reason);
    }

    private static Path binaries() throws IOException {
        Path root = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(root)) {
            try (Stream<Path> versions = Files.list(root)) {
                Path newest = versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("pg_ctl")))
                        .max(Comparator.comparingInt(b -> versionOf(b.getParent().getFileName().toString())))
                        .orElse(null);
                if (newest != null) {
                    return newest;
                }
            }
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir);
            if (Files.isExecutable(candidate.resolve("pg_ctl")) && Files.isExecutable(candidate.resolve("initdb"))) {
                return candidate;
            }
        }
        return null;
    }

    private static int versionOf(String name) {
        return name.matches("[0-9]{1,4}") ? Integer.parseInt(name) : -1;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private String data() {
        return directory.resolve("data").toString();
    }

    /** The URL of the cluster's {@code postgres} database, as the engine takes it. */
    public String url() {
        return "postgresql://postgres@127.0.0.1:" + port + "/postgres";
    }

    /** The JDBC URL of the same database, for the test's own connections (user {@code postgres}). */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    /** Starts the server (again) and waits until it accepts connections. */
    public void startServer() throws IOException, InterruptedException {
        run("pg_ctl", "-D", data(), "-l", directory.resolve("server.log").toString(), "-w", "-t", "60", "-o",
                "-p " + port + " -k " + directory + " -c listen_addresses=127.0.0.1 -c fsync=off", "start");
    }

    /** Stops the server the way an operator's restart does: sessions are ended, then it shuts down. */
    public void stopServer() throws IOException, InterruptedException {
        run("pg_ctl", "-D", data(), "-m", "fast", "-w", "-t", "60", "stop");
    }

    private void run(String program, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        if (asPostgresUser) {
            command.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        command.add(bin.resolve(program).toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(program + " failed: " + output.strip());
        }
    }

    /** Stops the server at once and deletes the cluster. */
    @Override
    public void close() {
        try {
            run("pg_ctl", "-D", data(), "-m", "immediate", "-w", "stop");
        } catch (IOException | InterruptedException ignored) {
            // not running (never started, or already stopped)
        }
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a leftover temporary directory is harmless
        }
    }
}
