package io.cloaca.cli;

import io.cloaca.cli.ui.UiServer;
import io.cloaca.engine.CloacaException;
import io.cloaca.engine.store.DatabaseUrl;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code cloaca ui}: a live web view of a database's executions (docs/ui.md). Read-only; serves until
 * interrupted.
 */
@Command(name = "ui", mixinStandardHelpOptions = true,
        description = {"Serve a live web view of executions: their DAGs, timelines, errors and contexts.",
                "Reads the database only; it never changes anything."})
final class UiCommand implements Callable<Integer> {

    @Option(names = {"-d", "--database"}, paramLabel = "URL",
            description = "Database URL (default: $DATABASE_URL).")
    String database;

    @Option(names = "--schema", paramLabel = "NAME",
            description = "PostgreSQL schema to show (default: the URL's ?schema=, else a picker of the schemas"
                    + " holding cloaca tables).")
    String schema;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8765",
            description = "Port (default: 8765; 0: any free port).")
    int port;

    @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: 127.0.0.1). Any other than loopback requires a token.")
    String bind;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "Require this token on every request (one is made up when --bind is not loopback).")
    String token;

    @Option(names = "--open", description = "Open the page in the default browser.")
    boolean open;

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65535) {
            System.err.println("cloaca ui: --port must be from 0 to 65535, got " + port);
            return 2;
        }
        if (token != null && token.isBlank()) {
            System.err.println("cloaca ui: --token must not be empty; give a secret, or leave --token out"
                    + " (a random one is made up when --bind is not loopback)");
            return 2;
        }
        DatabaseUrl parsed;
        InetAddress listen;
        try {
            parsed = ReadDatabase.url(database, schema, null);
            if (schema != null) {
                DatabaseUrl.Postgres pg = (DatabaseUrl.Postgres) parsed;
                parsed = pg.withCredentials(pg.user(), pg.password(), schema);
            }
            listen = InetAddress.getByName(bind);
        } catch (ReadDatabase.Refused e) {
            System.err.println("cloaca ui: " + e.getMessage());
            return e.exitCode;
        } catch (UnknownHostException e) {
            System.err.println("cloaca ui: --bind " + bind + " is not an address of this machine");
            return 2;
        }
        boolean loopback = listen.isLoopbackAddress();
        String required = token != null ? token : loopback ? null : UiServer.newToken();
        UiServer server;
        try {
            server = UiServer.start(new UiServer.Options(parsed, bind, port, required, Duration.ofMillis(250)));
        } catch (BindException e) {
            boolean inUse = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("in use");
            System.err.println("cloaca ui: cannot listen on " + bind + ":" + port + " (" + e.getMessage() + ")"
                    + (inUse ? "; is another cloaca ui running? Choose another --port" : ""));
            return 1;
        } catch (CloacaException e) {
            System.err.println("cloaca ui: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            System.err.println("cloaca ui: cannot listen on " + bind + ":" + port + ": " + e.getMessage());
            return 1;
        }
        announce(System.out, server, listen, token == null ? required : null);
        if (open) {
            openBrowser(server.address());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "cloaca-ui-stop"));
        stopped.await();
        return 0;
    }

    /**
     * Where the page is, on stdout: the address to open and, for a wildcard bind (whose printed address is
     * loopback, which works only here), how to reach it from elsewhere.
     *
     * @param madeUpToken the token made up for this run (to point out), or null
     */
    static void announce(PrintStream out, UiServer server, InetAddress listen, String madeUpToken) {
        URI address = server.address();
        if (listen.isAnyLocalAddress()) {
            out.println("cloaca ui: " + server.database() + " on all interfaces (" + listen.getHostAddress()
                    + "), port " + address.getPort() + ": " + address);
            out.println("cloaca ui: from another machine, use this machine's host name or address in place of "
                    + address.getHost());
        } else {
            out.println("cloaca ui: " + server.database() + " at " + address);
        }
        if (madeUpToken != null) {
            out.println("cloaca ui: every request needs the token " + madeUpToken + " (it is in the address above)");
        }
        out.println("cloaca ui: Ctrl-C stops it");
    }

    private static void openBrowser(URI address) {
        try {
            if (java.awt.Desktop.isDesktopSupported()
                    && java.awt.Desktop.getDesktop().isSupported(java.awt.Desktop.Action.BROWSE)) {
                java.awt.Desktop.getDesktop().browse(address);
                return;
            }
            new ProcessBuilder("xdg-open", address.toString()).inheritIO().start();
        } catch (IOException | UnsupportedOperationException e) {
            System.err.println("cloaca ui: could not open a browser (" + e.getMessage() + "); open " + address);
        }
    }
}
