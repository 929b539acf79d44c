package io.cloaca.cli.ui;

import io.cloaca.cli.ExecutionStarters;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.cloaca.engine.CloacaException;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.ExecutionHistory;
import io.cloaca.engine.store.ExecutionRecord;
import io.cloaca.engine.store.ExecutionStatus;
import io.cloaca.engine.store.StartedBy;
import io.cloaca.engine.store.TaskRecord;
import io.cloaca.engine.store.TaskStatus;
import io.cloaca.engine.tenancy.Identifiers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The web view behind {@code cloaca ui}: static page, a read-only JSON API and a server-sent event
 * stream, on the JDK's {@link HttpServer}. Every request is a GET; with a token, every request
 * carries it (query parameter {@code token}, a {@code Bearer} header, or the cookie the page gets).
 *
 * <ul>
 *   <li>{@code GET /api/info}: the database (without password), the schemas on offer;</li>
 *   <li>{@code GET /api/executions?workflow=&status=&page=&limit=&schema=}: a page of executions;</li>
 *   <li>{@code GET /api/executions/{id}?schema=}: one execution, its tasks, their attempts;</li>
 *   <li>{@code GET /api/events?schema=}: server-sent events when anything changes.</li>
 * </ul>
 */
public final class UiServer implements AutoCloseable {

    /** The engine's mapper: a context the engine stored is read here under the same limits. */
    private static final ObjectMapper JSON = Context.JSON;
    private static final Set<String> LIST_PARAMETERS = Set.of("workflow", "status", "page", "limit", "schema", "token");
    private static final Set<String> SCHEMA_PARAMETERS = Set.of("schema", "token");
    private static final int MAX_LIMIT = 500;
    private static final int MAX_STREAMS = 64;
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
    private static final Map<String, String> STATIC = Map.of(
            "/", "index.html", "/index.html", "index.html", "/app.js", "app.js", "/app.css", "app.css");

    private final HistorySource source;
    private final ChangeFeed feed;
    private final HttpServer server;
    private final ExecutorService threads;
    private final String token;
    private final String cookie;
    private final Set<String> allowedHosts;
    private final AtomicInteger streams = new AtomicInteger();

    /**
     * How to serve.
     *
     * @param token required on every request when not null
     * @param poll  how often the shared poller reads the database while a page is watching
     */
    public record Options(DatabaseUrl url, String bind, int port, String token, Duration poll) {
        public Options {
            // An empty token would be matched by "?token=", which any client can send.
            if (token != null && token.isBlank()) {
                throw new IllegalArgumentException("a token must not be empty or blank; give none for no token");
            }
        }
    }

    private UiServer(Options options, HistorySource source, HttpServer server) {
        this.source = source;
        this.server = server;
        this.token = options.token();
        int port = server.getAddress().getPort();
        this.cookie = "cloaca_ui_" + port;
        // Without a token the only guard of a loopback server is its address; checking the Host header
        // keeps a web page from reading it through DNS rebinding.
        this.allowedHosts = Set.of("127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port);
        this.feed = new ChangeFeed(source, options.poll());
        // A thread pool of its own: the default executor is one thread, which an open event stream would hold.
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "cloaca-ui-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        server.createContext("/", this::handle);
    }

    /**
     * Binds and starts serving.
     *
     * @throws java.net.BindException when the address is in use or not local
     * @throws CloacaException (INVALID_ARGUMENT) for an in-memory database URL
     */
    public static UiServer start(Options options) throws IOException {
        HistorySource source = new HistorySource(options.url());
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(options.bind()),
                options.port()), 0);
        UiServer ui = new UiServer(options, source, server);
        server.start();
        return ui;
    }

    /** A fresh random token, for a server bound beyond loopback without one. */
    public static String newToken() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** The page's address, with the token when one is required. */
    public URI address() {
        InetSocketAddress a = server.getAddress();
        String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + a.getPort() + "/"
                + (token == null ? "" : "?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)));
    }

    /** The database being shown, without its password. */
    public String database() {
        return source.describe();
    }

    @Override
    public void close() {
        feed.close();
        server.stop(0);
        threads.shutdownNow();
        source.close();
    }

    // ---------------------------------------------------------------------------------------------

    /** A request the server answers with an error status and a message, as JSON for the API. */
    private static final class HttpError extends RuntimeException {
        final int status;

        HttpError(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            try {
                route(exchange);
            } catch (HttpError e) {
                sendError(exchange, e.status, e.getMessage());
            } catch (CloacaException e) {
                sendError(exchange, switch (e.kind()) {
                    case INVALID_ARGUMENT -> 400;
                    case NOT_FOUND -> 404;
                    default -> 503;
                }, e.getMessage());
            }
        } catch (IOException e) {
            // the browser went away mid-answer; nothing to tell it
        }
    }

    private void route(HttpExchange exchange) throws IOException {
        if (!"GET".equals(exchange.getRequestMethod())) {
            exchange.getResponseHeaders().set("Allow", "GET");
            throw new HttpError(405, "Only GET is allowed: this view is read-only");
        }
        Map<String, String> query = parseQuery(exchange.getRequestURI().getRawQuery());
        authorize(exchange, query);
        String path = exchange.getRequestURI().getPath();
        if (STATIC.containsKey(path)) {
            sendStatic(exchange, STATIC.get(path));
        } else if (path.equals("/api/info")) {
            checkParameters(query, Set.of("token"));
            sendJson(exchange, 200, info());
        } else if (path.equals("/api/executions")) {
            checkParameters(query, LIST_PARAMETERS);
            sendJson(exchange, 200, executions(query));
        } else if (path.startsWith("/api/executions/") && path.length() > "/api/executions/".length()) {
            checkParameters(query, SCHEMA_PARAMETERS);
            sendJson(exchange, 200, execution(path.substring("/api/executions/".length()), schema(query)));
        } else if (path.equals("/api/events")) {
            checkParameters(query, SCHEMA_PARAMETERS);
            stream(exchange, schema(query));
        } else {
            throw new HttpError(404, "No such page: " + path);
        }
    }

    private void authorize(HttpExchange exchange, Map<String, String> query) {
        if (token == null) {
            String host = exchange.getRequestHeaders().getFirst("Host");
            if (host != null && !allowedHosts.contains(host.toLowerCase(java.util.Locale.ROOT))) {
                throw new HttpError(403, "Host " + host + " is not this server's address");
            }
            return;
        }
        String given = query.get("token");
        if (given != null) {
            if (matches(given)) {
                exchange.getResponseHeaders().add("Set-Cookie", cookie + "=" + token
                        + "; Path=/; HttpOnly; SameSite=Strict");
                return;
            }
        } else {
            String header = exchange.getRequestHeaders().getFirst("Authorization");
            if (header != null && header.startsWith("Bearer ") && matches(header.substring(7).trim())) {
                return;
            }
            String cookies = exchange.getRequestHeaders().getFirst("Cookie");
            if (cookies != null && Arrays.stream(cookies.split(";")).map(String::trim)
                    .anyMatch(c -> c.startsWith(cookie + "=") && matches(c.substring(cookie.length() + 1)))) {
                return;
            }
        }
        throw new HttpError(401, "A token is required: open the address printed by cloaca ui"
                + " (it ends in ?token=...), or send 'Authorization: Bearer <token>'");
    }

    private boolean matches(String given) {
        return MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
    }

    // ---- query parameters -----------------------------------------------------------------------

    private static Map<String, String> parseQuery(String raw) {
        Map<String, String> query = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return query;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name;
            String value;
            try {
                name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new HttpError(400, "Malformed query parameter '" + pair + "': " + e.getMessage());
            }
            if (query.put(name, value) != null) {
                throw new HttpError(400, "Query parameter '" + name + "' is given twice");
            }
        }
        return query;
    }

    private static void checkParameters(Map<String, String> query, Set<String> accepted) {
        for (String name : query.keySet()) {
            if (!accepted.contains(name)) {
                throw new HttpError(400, "Unknown query parameter '" + name + "'; accepted: "
                        + String.join(", ", accepted.stream().sorted().toList()));
            }
        }
    }

    private static int intParameter(Map<String, String> query, String name, int fallback, int min, int max) {
        String value = query.get(name);
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below with the accepted range
        }
        throw new HttpError(400, "Query parameter '" + name + "' must be a whole number from " + min + " to "
                + max + ", got '" + value + "'");
    }

    /** The schema a request asks for, checked against what this database offers; null for the default. */
    private String schema(Map<String, String> query) {
        String schema = query.get("schema");
        if (schema == null || schema.isEmpty()) {
            return null;
        }
        if (!source.offersSchemas()) {
            throw new HttpError(400, "Query parameter 'schema' is not accepted here: "
                    + (source.fixedSchema() != null ? "the database URL names schema '" + source.fixedSchema() + "'"
                    : "SQLite has no schemas"));
        }
        List<String> schemas = source.schemas();
        if (!schemas.contains(schema)) {
            try {
                Identifiers.schema(schema);
            } catch (CloacaException e) {
                throw new HttpError(400, "Query parameter 'schema': " + e.getMessage());
            }
            throw new HttpError(400, "Query parameter 'schema': no cloaca tables in schema '" + schema + "'"
                    + (schemas.isEmpty() ? "" : "; schemas with cloaca tables: " + String.join(", ", schemas)));
        }
        return schema;
    }

    // ---- API --------------------------------------------------------------------------------------

    private ObjectNode info() {
        ObjectNode info = JSON.createObjectNode();
        info.put("database", source.describe());
        info.put("offersSchemas", source.offersSchemas());
        ArrayNode schemas = info.putArray("schemas");
        if (source.offersSchemas()) {
            try {
                source.schemas().forEach(schemas::add);
            } catch (CloacaException e) {
                info.put("error", e.getMessage());
            }
        }
        return info;
    }

    private ObjectNode executions(Map<String, String> query) {
        String statusText = query.get("status");
        ExecutionStatus status = null;
        if (statusText != null && !statusText.isEmpty()) {
            status = Arrays.stream(ExecutionStatus.values()).filter(s -> s.name().equals(statusText)).findFirst()
                    .orElseThrow(() -> new HttpError(400, "Query parameter 'status' must be one of "
                            + Arrays.toString(ExecutionStatus.values()) + ", got '" + statusText + "'"));
        }
        int page = intParameter(query, "page", 1, 1, 1_000_000);
        int limit = intParameter(query, "limit", 25, 1, MAX_LIMIT);
        String workflow = query.get("workflow");
        ExecutionHistory history = source.history(schema(query));
        ObjectNode out = JSON.createObjectNode();
        out.put("page", page).put("limit", limit);
        ArrayNode list = out.putArray("executions");
        ArrayNode workflows = out.putArray("workflows");
        if (!present(history)) {
            out.put("total", 0);
            out.put("note", "No cloaca tables here yet: they appear when a runner first opens this database.");
            return out;
        }
        var result = history.listExecutions(workflow == null || workflow.isEmpty() ? null : workflow, status,
                (page - 1) * limit, limit);
        out.put("total", result.total());
        Map<String, StartedBy> starters = source.starters(schema(query),
                result.executions().stream().map(summary -> summary.execution().id()).toList());
        for (var summary : result.executions()) {
            ObjectNode e = executionJson(summary.execution(), starters);
            ObjectNode counts = e.putObject("taskCounts");
            summary.taskCounts().forEach((s, n) -> counts.put(s.name(), n));
            e.put("tasks", summary.taskCounts().values().stream().mapToInt(Integer::intValue).sum());
            list.add(e);
        }
        history.workflowNames().forEach(workflows::add);
        return out;
    }

    private ObjectNode execution(String id, String schema) {
        ExecutionHistory history = source.history(schema);
        Optional<ExecutionRecord> found = present(history) ? history.findExecution(id) : Optional.empty();
        ExecutionRecord record = found.orElseThrow(() -> new HttpError(404, "No execution " + id + " in this database"));
        ObjectNode out = JSON.createObjectNode();
        out.put("now", System.currentTimeMillis());
        ObjectNode e = executionJson(record, source.starters(schema, List.of(id)));
        e.set("initialContext", parseJson(record.initialContext()));
        e.set("finalContext", parseJson(record.finalContext()));
        out.set("execution", e);
        ArrayNode tasks = out.putArray("tasks");
        for (var h : history.taskHistories(id)) {
            tasks.add(taskJson(h));
        }
        return out;
    }

    /** Whether {@code history}'s tables exist; 403 when they do but the database login may not read them. */
    private static boolean present(ExecutionHistory history) {
        return switch (history.tables()) {
            case ABSENT -> false;
            case READABLE -> true;
            case NOT_READABLE -> throw new HttpError(403,
                    "Permission denied: the database login may not read the cloaca tables here");
        };
    }

    /** @param starters the schedule or trigger that started each execution not started by a caller, by execution id */
    private static ObjectNode executionJson(ExecutionRecord r, Map<String, StartedBy> starters) {
        ObjectNode e = JSON.createObjectNode();
        StartedBy starter = starters.get(r.id());
        e.put("startedBy", ExecutionStarters.kind(starter));
        e.put("scheduleId", starter == null ? null : starter.scheduleId());
        e.put("triggerName", starter == null ? null : starter.triggerName());
        e.put("id", r.id());
        e.put("workflow", r.workflowName());
        e.put("version", r.workflowVersion());
        e.put("status", r.status().name());
        e.put("startedAt", r.startedAt());
        e.put("completedAt", r.completedAt());
        e.put("error", r.errorMessage());
        return e;
    }

    private static ObjectNode taskJson(ExecutionHistory.TaskHistory h) {
        TaskRecord t = h.task();
        ObjectNode task = JSON.createObjectNode();
        task.put("id", t.id());
        task.put("name", t.taskName());
        task.put("label", t.taskName().substring(t.taskName().lastIndexOf("::") + 2));
        task.put("status", t.status().name());
        // A Ready task past its first attempt is waiting to retry: the page colours it apart.
        task.put("retrying", t.status() == TaskStatus.Ready && t.attempt() > 1);
        task.put("attemptsUsed", t.attemptsUsed());
        task.put("maxAttempts", t.maxAttempts());
        task.put("recoveries", t.recoveryAttempts());
        task.put("startedAt", t.startedAt());
        task.put("completedAt", t.completedAt());
        task.put("error", t.status() == TaskStatus.Failed || t.status() == TaskStatus.Skipped ? t.lastError() : null);
        task.put("errorDetails", t.status() == TaskStatus.Failed ? t.errorDetails() : null);
        task.set("output", parseJson(t.outputContext()));
        ArrayNode deps = task.putArray("dependencies");
        h.dependencies().forEach(deps::add);
        ArrayNode attempts = task.putArray("attempts");
        for (var a : h.retried()) {
            attempts.add(JSON.createObjectNode().put("attempt", a.attempt()).put("startedAt", a.startedAt())
                    .put("endedAt", a.endedAt()).put("outcome", "Retried").put("error", a.error()));
        }
        if (t.startedAt() != null && (t.status() == TaskStatus.Running || t.status().isTerminal())) {
            attempts.add(JSON.createObjectNode().put("attempt", t.attempt()).put("startedAt", t.startedAt())
                    .put("endedAt", t.completedAt()).put("outcome", t.status().name())
                    .put("error", t.status() == TaskStatus.Failed || t.status() == TaskStatus.Skipped ? t.lastError() : null));
        }
        return task;
    }

    private static JsonNode parseJson(String text) {
        if (text == null) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            return JSON.getNodeFactory().textNode(text);
        }
    }

    // ---- event stream ---------------------------------------------------------------------------

    private void stream(HttpExchange exchange, String schema) throws IOException {
        if (streams.incrementAndGet() > MAX_STREAMS) {
            streams.decrementAndGet();
            throw new HttpError(503, "Too many open event streams (" + MAX_STREAMS + "); close some pages");
        }
        ChangeFeed.Subscription subscription = feed.subscribe(schema);
        try {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            out.write("retry: 1000\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            while (true) {
                String frame = subscription.frames.poll(KEEP_ALIVE.toMillis(), TimeUnit.MILLISECONDS);
                if (ChangeFeed.END.equals(frame)) {
                    return;
                }
                out.write((frame == null ? ": keep-alive\n\n" : frame).getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            feed.unsubscribe(subscription);
            streams.decrementAndGet();
        }
    }

    // ---- answers --------------------------------------------------------------------------------

    private void sendStatic(HttpExchange exchange, String name) throws IOException {
        try (InputStream in = UiServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new HttpError(500, "The page's resource " + name + " is missing from the jar");
            }
            byte[] body = in.readAllBytes();
            String type = name.endsWith(".html") ? "text/html" : name.endsWith(".js") ? "text/javascript" : "text/css";
            exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
            exchange.getResponseHeaders().set("Content-Security-Policy",
                    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'");
            send(exchange, 200, body);
        }
    }

    private static void sendJson(HttpExchange exchange, int status, JsonNode body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        send(exchange, status, JSON.writeValueAsBytes(body));
    }

    private static void sendError(HttpExchange exchange, int status, String message) throws IOException {
        sendJson(exchange, status, JSON.createObjectNode().put("error", message));
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        exchange.getResponseBody().write(body);
    }
}
