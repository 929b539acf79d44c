package io.cloaca.cli;

import io.cloaca.cli.ui.UiServer;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.retry.BackoffStrategy;
import io.cloaca.engine.retry.RetryCondition;
import io.cloaca.engine.retry.RetryPolicy;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the UI tests share: a runner on a SQLite file (as another process on that database would be)
 * and a {@code cloaca ui} server reading the same file through its own pool.
 */
final class UiFixture implements AutoCloseable {

    static final Duration GENEROUS = Duration.ofSeconds(30);

    final Path directory;
    final String url;
    final Runner runner;
    final UiServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    UiFixture(String token, Workflow... workflows) throws IOException {
        directory = Files.createTempDirectory("cloaca-ui-test");
        url = "sqlite://" + directory.resolve("history.db");
        WorkflowRegistry registry = new WorkflowRegistry();
        for (Workflow w : workflows) {
            registry.register(w);
        }
        runner = Runner.open(url, RunnerConfig.builder().maxConcurrentTasks(4).sqliteDurable(false).build(), registry);
        server = UiServer.start(new UiServer.Options(DatabaseUrl.parse(url), "127.0.0.1", 0, token,
                Duration.ofMillis(100)));
    }

    /** A registry of one-task workflow {@code hello}. */
    static WorkflowRegistry hello() {
        WorkflowRegistry registry = new WorkflowRegistry();
        registry.register(Workflow.builder("hello").task("a", ctx -> ctx.set("a", 1)).build());
        return registry;
    }

    /**
     * Makes schemas {@code tenant_a} and {@code tenant_b} with cloaca tables in {@code pg}'s database and
     * runs {@code hello} once in {@code tenant_a}; returns that execution's id.
     */
    static String twoTenants(TestPostgres pg) {
        String base = pg.url();
        String sep = base.contains("?") ? "&" : "?";
        try (Runner tenantA = Runner.open(base + sep + "schema=tenant_a", RunnerConfig.DEFAULT, hello());
             Runner tenantB = Runner.open(base + sep + "schema=tenant_b", RunnerConfig.DEFAULT, hello())) {
            return tenantA.execute("hello", io.cloaca.engine.context.Context.empty()).executionId();
        }
    }

    /** A retry policy of {@code attempts} attempts a few milliseconds apart. */
    static RetryPolicy quickRetries(int attempts) {
        return new RetryPolicy(attempts, new BackoffStrategy.Fixed(), Duration.ofMillis(5), Duration.ofMillis(5),
                false, new RetryCondition.AllErrors());
    }

    /**
     * Ten tasks in four levels: a root, a fan-out of five (one of them fails once and is retried, one
     * fails for good with {@code error}), three that join them, and a last one.
     */
    static Workflow tenTasks(String name, String error) {
        AtomicInteger flaky = new AtomicInteger();
        Workflow.Builder b = Workflow.builder(name)
                .task("extract", ctx -> ctx.set("rows", 5));
        List<String> fanned = new ArrayList<>();
        for (String id : List.of("clean", "enrich", "score", "flaky", "broken")) {
            fanned.add(id);
            if (id.equals("flaky")) {
                b.task(id, List.of("extract"), quickRetries(3), ctx -> {
                    if (flaky.incrementAndGet() == 1) {
                        throw new IllegalStateException("connection reset, try again");
                    }
                    return ctx.set(id, true);
                });
            } else if (id.equals("broken")) {
                b.task(id, List.of("extract"), RetryPolicy.NONE, ctx -> {
                    throw new IllegalArgumentException(error);
                });
            } else {
                b.task(id, List.of("extract"), ctx -> ctx.set(id, true));
            }
        }
        b.task("join_a", List.of("clean", "enrich"), ctx -> ctx.set("join_a", true));
        b.task("join_b", List.of("score", "flaky"), ctx -> ctx.set("join_b", true));
        b.task("join_c", List.of("broken", "score"), ctx -> ctx.set("join_c", true));
        b.task("report", List.of("join_a", "join_b", "join_c"), ctx -> ctx.set("report", "done"));
        return b.build();
    }

    /** GET {@code path} (no leading slash) from a server of a test's own. */
    static HttpResponse<String> get(UiServer server, String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.address() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String pathAndQuery, String... headers) throws IOException, InterruptedException {
        return send(pathAndQuery, "GET", headers);
    }

    HttpResponse<String> send(String pathAndQuery, String method, String... headers)
            throws IOException, InterruptedException {
        URI base = server.address();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + base.getHost() + ":"
                + base.getPort() + pathAndQuery)).method(method, HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Sends a request line and headers exactly as given (java.net.http refuses a foreign Host or a
     * malformed escape); returns the status code and the body.
     */
    String[] raw(String target, String host) throws IOException {
        try (var socket = new java.net.Socket("127.0.0.1", server.address().getPort())) {
            socket.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: " + host
                    + "\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            String response = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            return new String[] {response.substring(9, 12), response.substring(response.indexOf("\r\n\r\n") + 4)};
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        runner.close();
        try (var files = Files.list(directory)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(directory);
    }
}
