package io.cloaca.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloaca.cli.ui.UiServer;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.ExecutionResult;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.workflow.Workflow;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JSON API of {@code cloaca ui} over plain HTTP: what it answers, and what it refuses. */
class UiApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static UiFixture ui;
    private static ExecutionResult result;

    @BeforeAll
    static void runOneWorkflow() throws Exception {
        ui = new UiFixture(null, UiFixture.tenTasks("ten", "no such column: <b>total</b>"));
        result = ui.runner.execute("ten", Context.empty());
    }

    @AfterAll
    static void close() throws Exception {
        ui.close();
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body());
    }

    @Test
    void listsExecutionsWithTaskCounts() throws Exception {
        HttpResponse<String> response = ui.get("/api/executions");
        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = json(response);
        assertEquals(1, body.get("total").asInt());
        JsonNode e = body.get("executions").get(0);
        assertEquals(result.executionId(), e.get("id").asText());
        assertEquals("Failed", e.get("status").asText());
        assertEquals(10, e.get("tasks").asInt());
        assertEquals(1, e.get("taskCounts").get("Failed").asInt());
        assertEquals(9, e.get("taskCounts").get("Completed").asInt());
        assertEquals("[\"ten\"]", body.get("workflows").toString());

        assertEquals(0, json(ui.get("/api/executions?status=Running")).get("total").asInt());
        assertEquals(0, json(ui.get("/api/executions?workflow=other")).get("total").asInt());
        assertEquals(0, json(ui.get("/api/executions?page=2&limit=1")).get("executions").size());
    }

    @Test
    void showsTasksWithDependenciesRetriedAttemptsErrorsAndOutputs() throws Exception {
        JsonNode body = json(ui.get("/api/executions/" + result.executionId()));
        Map<String, JsonNode> tasks = new TreeMap<>();
        body.get("tasks").forEach(t -> tasks.put(t.get("label").asText(), t));
        assertEquals(10, tasks.size());
        List<String> joinB = new ArrayList<>();
        tasks.get("join_b").get("dependencies").forEach(d -> joinB.add(d.asText().replaceAll(".*::", "")));
        assertEquals(List.of("flaky", "score"), joinB.stream().sorted().toList());

        JsonNode flaky = tasks.get("flaky");
        assertEquals("Completed", flaky.get("status").asText());
        assertEquals(2, flaky.get("attempts").size(), flaky.toString());
        assertEquals("Retried", flaky.get("attempts").get(0).get("outcome").asText());
        assertTrue(flaky.get("attempts").get(0).get("error").asText().contains("connection reset"));
        assertEquals("Completed", flaky.get("attempts").get(1).get("outcome").asText());
        assertTrue(flaky.get("error").isNull(), "a retried error is not the task's error once it completed");

        JsonNode broken = tasks.get("broken");
        assertEquals("Failed", broken.get("status").asText());
        assertTrue(broken.get("error").asText().contains("no such column: <b>total</b>"), broken.toString());
        assertEquals(5, tasks.get("extract").get("output").get("rows").asInt());
        int bars = 0;
        for (JsonNode t : body.get("tasks")) {
            bars += t.get("attempts").size();
        }
        assertEquals(11, bars, "ten attempts and one retried");
    }

    @Test
    void marksExecutionsThatACronScheduleOrATriggerStarted() throws Exception {
        try (UiFixture cron = new UiFixture(null, Workflow.builder("tick").task("a", ctx -> ctx.set("a", 1)).build())) {
            String manual = cron.runner.execute("tick", Context.empty()).executionId();
            String schedule = cron.runner.cron().register("tick", "* * * * * *", "UTC");
            long deadline = System.nanoTime() + UiFixture.GENEROUS.toNanos();
            List<io.cloaca.engine.cron.CronExecution> runs = List.of();
            while (runs.isEmpty() && System.nanoTime() < deadline) {
                runs = cron.runner.cron().history(schedule, 10, 0).stream()
                        .filter(r -> r.executionId() != null).toList();
                Thread.sleep(50);
            }
            cron.runner.cron().setEnabled(schedule, false);
            assertFalse(runs.isEmpty(), "the every-second schedule never fired");
            String scheduled = runs.get(0).executionId();
            java.util.concurrent.atomic.AtomicBoolean fired = new java.util.concurrent.atomic.AtomicBoolean();
            cron.runner.triggers().register(io.cloaca.engine.trigger.TriggerDefinition.every("inbox", "tick", "100ms",
                    false, () -> fired.getAndSet(true) ? io.cloaca.engine.trigger.TriggerResult.skip()
                            : io.cloaca.engine.trigger.TriggerResult.fire()));
            List<io.cloaca.engine.trigger.TriggerExecution> polls = List.of();
            while (polls.isEmpty() && System.nanoTime() < deadline) {
                polls = cron.runner.triggers().history("inbox", 10, 0).stream()
                        .filter(r -> r.executionId() != null).toList();
                Thread.sleep(50);
            }
            assertFalse(polls.isEmpty(), "the trigger never fired");
            String triggered = polls.get(0).executionId();

            Map<String, JsonNode> listed = new TreeMap<>();
            json(cron.get("/api/executions?limit=100")).get("executions").forEach(e -> listed.put(e.get("id").asText(), e));
            assertEquals("execute", listed.get(manual).get("startedBy").asText());
            assertTrue(listed.get(manual).get("scheduleId").isNull());
            assertEquals("cron", listed.get(scheduled).get("startedBy").asText());
            assertEquals(schedule, listed.get(scheduled).get("scheduleId").asText());
            assertTrue(listed.get(scheduled).get("triggerName").isNull());
            assertEquals("trigger", listed.get(triggered).get("startedBy").asText());
            assertEquals("inbox", listed.get(triggered).get("triggerName").asText());
            assertTrue(listed.get(triggered).get("scheduleId").isNull());
            JsonNode one = json(cron.get("/api/executions/" + scheduled)).get("execution");
            assertEquals("cron", one.get("startedBy").asText());
            assertEquals(schedule, one.get("scheduleId").asText());

            // Deleting the schedule deletes its audit rows (upstream's cascade), not what started its runs.
            cron.runner.cron().delete(schedule);
            one = json(cron.get("/api/executions/" + scheduled)).get("execution");
            assertEquals("cron", one.get("startedBy").asText());
            assertEquals(schedule, one.get("scheduleId").asText());
        }
    }

    @Test
    void unknownExecutionIs404WithAMessage() throws Exception {
        HttpResponse<String> response = ui.get("/api/executions/no-such-id");
        assertEquals(404, response.statusCode());
        assertEquals("No execution no-such-id in this database", json(response).get("error").asText());
        assertEquals(404, ui.get("/nowhere").statusCode());
    }

    @Test
    void malformedQueryParametersAre400NamingThem() throws Exception {
        Map<String, String> cases = Map.of(
                "/api/executions?page=abc", "'page' must be a whole number from 1 to 1000000, got 'abc'",
                "/api/executions?limit=0", "'limit' must be a whole number from 1 to 500, got '0'",
                "/api/executions?status=Done", "'status' must be one of [Running, Completed, Failed], got 'Done'",
                "/api/executions?colour=red", "Unknown query parameter 'colour'",
                "/api/executions?page=1&page=2", "'page' is given twice",
                "/api/executions?schema=tenant_a", "Query parameter 'schema' is not accepted here: SQLite has no schemas");
        for (var c : cases.entrySet()) {
            HttpResponse<String> response = ui.get(c.getKey());
            assertEquals(400, response.statusCode(), c.getKey());
            String error = json(response).get("error").asText();
            assertTrue(error.contains(c.getValue()), c.getKey() + " answered " + error);
        }
        String host = "127.0.0.1:" + ui.server.address().getPort();
        // A broken escape is refused by the JDK's server before the UI sees it, with a 400 all the same.
        assertEquals("400", ui.raw("/api/executions?workflow=%zz", host)[0]);
    }

    @Test
    void onlyGetIsAnswered() throws Exception {
        for (String method : List.of("POST", "PUT", "DELETE")) {
            HttpResponse<String> response = ui.send("/api/executions", method);
            assertEquals(405, response.statusCode(), method);
            assertEquals("GET", response.headers().firstValue("Allow").orElse(""));
        }
    }

    @Test
    void aForeignHostHeaderIsRefusedWithoutAToken() throws Exception {
        assertEquals("403", ui.raw("/api/executions", "evil.example:80")[0]);
        assertEquals("200", ui.raw("/api/executions", "localhost:" + ui.server.address().getPort())[0]);
    }

    @Test
    void theStaticPageIsServed() throws Exception {
        HttpResponse<String> page = ui.get("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<script src=\"app.js\""));
        assertTrue(ui.get("/app.js").body().contains("textContent"));
    }

    @Test
    void aTokenIsRequiredOnEveryRequestWhenSet() throws Exception {
        try (UiFixture guarded = new UiFixture("s3cret-token", Workflow.builder("w").task("a", c -> c).build())) {
            assertTrue(guarded.server.address().toString().endsWith("/?token=s3cret-token"));
            for (String path : List.of("/", "/app.js", "/api/info", "/api/executions", "/api/events")) {
                HttpResponse<String> response = guarded.get(path);
                assertEquals(401, response.statusCode(), path);
                assertTrue(json(response).get("error").asText().startsWith("A token is required"));
            }
            assertEquals(401, guarded.get("/api/executions?token=wrong").statusCode());
            assertEquals(200, guarded.get("/api/executions", "Authorization", "Bearer s3cret-token").statusCode());
            HttpResponse<String> page = guarded.get("/?token=s3cret-token");
            assertEquals(200, page.statusCode());
            String cookie = page.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
            assertEquals(200, guarded.get("/app.js", "Cookie", cookie).statusCode(), "the page's own files");
            assertEquals(401, guarded.get("/app.js", "Cookie", cookie + "x").statusCode());
        }
    }

    @Test
    void anUnreachableDatabaseIsReportedWhileTheServerStaysUp() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String url = "postgresql://cloaca:hunter2@127.0.0.1:" + closedPort + "/nowhere";
        try (UiServer server = UiServer.start(new UiServer.Options(DatabaseUrl.parse(url), "127.0.0.1", 0, null,
                Duration.ofMillis(100)))) {
            HttpResponse<String> response = UiFixture.get(server, "api/executions");
            assertEquals(503, response.statusCode());
            assertTrue(response.body().contains("Cannot connect to database"), response.body());
            assertFalse(response.body().contains("hunter2"));
            HttpResponse<String> info = UiFixture.get(server, "api/info");
            assertEquals(200, info.statusCode(), "the page itself still loads");
            assertTrue(info.body().contains("postgresql://cloaca:***@127.0.0.1:" + closedPort + "/nowhere"), info.body());
            assertFalse(info.body().contains("hunter2"));
        }
    }

    @Test
    void aSqliteFileNotYetCreatedIsReportedNotCreated() throws Exception {
        var missing = ui.directory.resolve("later.db");
        try (UiServer server = UiServer.start(new UiServer.Options(DatabaseUrl.parse("sqlite://" + missing),
                "127.0.0.1", 0, null, Duration.ofMillis(100)))) {
            HttpResponse<String> response = UiFixture.get(server, "api/executions");
            assertEquals(503, response.statusCode());
            assertTrue(response.body().contains("no SQLite database at " + missing), response.body());
            assertFalse(java.nio.file.Files.exists(missing));
        }
    }

    /** What {@code cloaca ...} run in this JVM returned and printed on stderr. */
    private record Outcome(int code, String stderr) {
    }

    /** Runs the command line in this JVM; for {@code ui}, only what exits (a started server would serve on). */
    private static Outcome cloaca(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream previous = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new Outcome(Main.execute(args), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(previous);
        }
    }

    @Test
    void aPortInUseIsAOneLineErrorAndExit1() throws Exception {
        int port = ui.server.address().getPort();
        assertThrows(BindException.class, () -> UiServer.start(new UiServer.Options(DatabaseUrl.parse(ui.url),
                "127.0.0.1", port, null, Duration.ofMillis(100))));
        Outcome r = cloaca("ui", "--database", ui.url, "--port", String.valueOf(port));
        assertEquals(1, r.code());
        assertTrue(r.stderr().startsWith("cloaca ui: cannot listen on 127.0.0.1:" + port), r.stderr());
        assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
    }

    /** "?token=" is what any client sends: an empty token would let everyone in. */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void anEmptyTokenIsRefusedOnAnyBindAndNeverServed() {
        for (String empty : List.of("", " ")) {
            for (String bind : List.of("127.0.0.1", "0.0.0.0")) {
                Outcome r = cloaca("ui", "--database", ui.url, "--port", "0", "--bind", bind, "--token", empty);
                assertEquals(2, r.code(), bind + " " + r);
                assertEquals("cloaca ui: --token must not be empty; give a secret, or leave --token out"
                        + " (a random one is made up when --bind is not loopback)", r.stderr().strip());
            }
            assertThrows(IllegalArgumentException.class, () -> new UiServer.Options(DatabaseUrl.parse(ui.url),
                    "127.0.0.1", 0, empty, Duration.ofMillis(100)));
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aSchemaNameIsCheckedAtStartAsTheOtherReadCommandsDo() {
        Outcome r = cloaca("ui", "--database", "postgresql://cloaca@127.0.0.1:1/nowhere", "--schema", "Bad-Name",
                "--port", "0");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.stderr().startsWith("cloaca ui: Schema name must contain only alphanumeric characters"), r.stderr());
    }

    @Test
    void aWildcardBindPrintsTheLoopbackAddressAndHowToReachItFromElsewhere() throws Exception {
        try (UiServer server = UiServer.start(new UiServer.Options(DatabaseUrl.parse(ui.url), "0.0.0.0", 0, "t0ken",
                Duration.ofMillis(100)))) {
            int port = server.address().getPort();
            List<String> lines = announced(server, InetAddress.getByName("0.0.0.0"), "t0ken");
            assertEquals(List.of(
                    "cloaca ui: " + ui.url + " on all interfaces (0.0.0.0), port " + port + ": http://127.0.0.1:" + port
                            + "/?token=t0ken",
                    "cloaca ui: from another machine, use this machine's host name or address in place of 127.0.0.1",
                    "cloaca ui: every request needs the token t0ken (it is in the address above)",
                    "cloaca ui: Ctrl-C stops it"), lines);
        }
        InetAddress own = java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()).stream()
                .filter(i -> { try { return i.isUp() && !i.isLoopback(); } catch (java.net.SocketException e) { return false; } })
                .flatMap(i -> java.util.Collections.list(i.getInetAddresses()).stream())
                .filter(a -> a instanceof java.net.Inet4Address).findFirst().orElse(null);
        Assumptions.assumeTrue(own != null, "this machine has no IPv4 address beyond loopback");
        try (UiServer server = UiServer.start(new UiServer.Options(DatabaseUrl.parse(ui.url), own.getHostAddress(), 0,
                "t0ken", Duration.ofMillis(100)))) {
            String address = "http://" + own.getHostAddress() + ":" + server.address().getPort() + "/?token=t0ken";
            assertEquals("cloaca ui: " + ui.url + " at " + address, announced(server, own, null).get(0));
            HttpResponse<String> info = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(address)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, info.statusCode(), "the printed address answers: " + info.body());
        }
    }

    private static List<String> announced(UiServer server, InetAddress listen, String madeUpToken) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        UiCommand.announce(new PrintStream(out, true, StandardCharsets.UTF_8), server, listen, madeUpToken);
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void aPostgresUrlWithoutSchemaOffersTheSchemasHoldingCloacaTables() throws Exception {
        try (TestPostgres pg = TestPostgres.createDatabase()) {
            UiFixture.twoTenants(pg);
            String base = pg.url();
            try (var c = pg.connect(pg.name()); var st = c.createStatement()) {
                st.execute("CREATE SCHEMA unrelated");
            }
            try (UiServer server = UiServer.start(new UiServer.Options(DatabaseUrl.parse(base), "127.0.0.1", 0,
                    null, Duration.ofMillis(100)))) {
                JsonNode info = json(UiFixture.get(server, "api/info"));
                assertTrue(info.get("offersSchemas").asBoolean());
                assertEquals("[\"tenant_a\",\"tenant_b\"]", info.get("schemas").toString());
                assertEquals(1, json(UiFixture.get(server, "api/executions?schema=tenant_a")).get("total").asInt());
                assertEquals(0, json(UiFixture.get(server, "api/executions?schema=tenant_b")).get("total").asInt());
                JsonNode noTables = json(UiFixture.get(server, "api/executions"));
                assertTrue(noTables.get("note").asText().startsWith("No cloaca tables here yet"), noTables.toString());
                HttpResponse<String> invalid = UiFixture.get(server, "api/executions?schema=Bad-Name");
                assertEquals(400, invalid.statusCode());
                assertTrue(invalid.body().contains("Query parameter 'schema': Schema name must contain only alphanumeric"),
                        invalid.body());
                HttpResponse<String> unrelated = UiFixture.get(server, "api/executions?schema=unrelated");
                assertEquals(400, unrelated.statusCode());
                assertTrue(unrelated.body().contains("no cloaca tables in schema 'unrelated'"), unrelated.body());
            }
        }
    }

    /** Another tenant's schema: its tables are there, and the page says the login may not read them. */
    @Test
    void anotherTenantsSchemaIsForbiddenNotEmpty() throws Exception {
        try (TestPostgres pg = TestPostgres.createDatabase()) {
            var tenants = pg.createTenants("ui_reads_", 2);
            var mine = (DatabaseUrl.Postgres) DatabaseUrl.parse(tenants.get(0).connectionString());
            DatabaseUrl theirs = mine.withCredentials(mine.user(), mine.password(), tenants.get(1).schemaName());
            try (UiServer server = UiServer.start(new UiServer.Options(theirs, "127.0.0.1", 0, null,
                    Duration.ofMillis(100)))) {
                for (String path : List.of("api/executions", "api/executions/" + result.executionId())) {
                    HttpResponse<String> response = UiFixture.get(server, path);
                    assertEquals(403, response.statusCode(), path + ": " + response.body());
                    assertEquals("Permission denied: the database login may not read the cloaca tables here",
                            json(response).get("error").asText());
                }
            }
        }
    }
}
