package io.cloaca.api;

import io.cloaca.engine.cron.CronExecution;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedding API end to end on SQLite: Java, Python and mixed workflows, and every kind of bad input. */
class CloacaTest {

    @TempDir
    Path dir;

    private Cloaca cloaca;

    private Cloaca start() {
        cloaca = Cloaca.configure().database("sqlite://" + dir.resolve("app.db")).maxConcurrentTasks(2)
                .pythonOut(new ByteArrayOutputStream()).start();
        return cloaca;
    }

    @AfterEach
    void close() {
        if (cloaca != null) {
            cloaca.close();
        }
    }

    private Path file(String name, String code) throws Exception {
        return Files.writeString(dir.resolve(name), code);
    }

    private static final String SHOUT = """
            import cloaca

            @cloaca.task(id="shout")
            def shout(context):
                context.set("message", context.get("message", "").upper() + "!")
                return context

            builder = cloaca.WorkflowBuilder("shout")
            builder.add_task("shout")
            cloaca.register_workflow_constructor("shout", lambda: builder.build())

            if __name__ == "__main__":
                raise SystemExit("a loaded file must not run as __main__")
            """;

    /** Two Java tasks: 60.0 gross for a quantity of 4. */
    private static final Workflow INVOICE = Workflow.named("invoice")
            .task("price", ctx -> ctx.put("net", ctx.getInt("quantity") * 12.5))
            .task("tax", List.of("price"), ctx -> ctx.put("gross", ctx.getDouble("net") * 1.2))
            .build();

    @Test
    void a_java_workflow_runs_with_typed_context_and_per_task_outcomes() {
        start().register(INVOICE);
        ExecutionResult result = cloaca.execute("invoice", Context.of(Map.of("quantity", 4)));
        assertEquals(ExecutionStatus.COMPLETED, result.status());
        assertTrue(result.succeeded());
        assertEquals(60.0, result.context().getDouble("gross"), 1e-9);
        assertEquals(List.of(new TaskResult("price", TaskStatus.COMPLETED, 1, null),
                new TaskResult("tax", TaskStatus.COMPLETED, 1, null)), result.tasks());
        assertNull(result.errorMessage());
        assertEquals("invoice", result.workflowName());
        assertTrue(cloaca.workflows().contains("invoice"));
    }

    @Test
    void a_python_file_and_a_mixed_java_python_workflow_run_side_by_side() throws Exception {
        start().python().load(file("shout.py", SHOUT));
        ExecutionResult python = cloaca.execute("shout", Context.empty().put("message", "hello from java"));
        assertEquals("HELLO FROM JAVA!", python.context().getString("message"));

        cloaca.register(Workflow.named("greet")
                .task("compose", ctx -> ctx.put("message", "hi " + ctx.getString("name")))
                .task("shout", List.of("compose"), cloaca.python().task("shout"))
                .task("count", List.of("shout"), ctx -> ctx.put("length", ctx.getString("message").length()))
                .build());
        ExecutionResult mixed = cloaca.execute("greet", Context.empty().put("name", "ada"));
        assertEquals(ExecutionStatus.COMPLETED, mixed.status(), String.valueOf(mixed.tasks()));
        assertEquals("HI ADA!", mixed.context().getString("message"));
        assertEquals(7, mixed.context().getInt("length"));
        assertEquals(List.of("compose", "shout", "count"), mixed.tasks().stream().map(TaskResult::name).toList());
    }

    @Test
    void a_python_task_is_never_interrupted_on_timeout_and_a_java_task_is() throws Exception {
        start().python().load(file("shout.py", SHOUT));
        // An interrupt reaching GraalPy's threads could stop its own waits: the engine must not send one.
        assertFalse(TaskBodies.of("shout", cloaca.python().task("shout")).interruptible());
        assertTrue(TaskBodies.of("java", ctx -> ctx.put("x", 1)).interruptible());
    }

    /** A file whose every load (one per interpreter) leaves a file named by that interpreter's token in {@code tokens}. */
    private static String tokenFile(String taskId, Path tokens) {
        return """
                import os, uuid
                import cloaca

                TOKEN = uuid.uuid4().hex
                open(os.path.join(%s, TOKEN), "w").close()
                print("loaded")

                @cloaca.task(id="%s")
                def where(context):
                    context.set("token", TOKEN)
                    return context
                """.formatted("'" + tokens + "'", taskId);
    }

    @Test
    void python_contexts_run_python_tasks_in_interpreters_that_load_the_same_files() throws Exception {
        Path tokens = Files.createDirectories(dir.resolve("tokens"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        cloaca = Cloaca.configure().database("sqlite://" + dir.resolve("app.db")).maxConcurrentTasks(2)
                .pythonContexts(2).pythonOut(out).start();
        cloaca.python().load(file("first.py", tokenFile("first", tokens)));
        String main;
        try (var listed = Files.list(tokens)) {
            main = listed.map(p -> p.getFileName().toString()).reduce((a, b) -> a + "," + b).orElseThrow();
        }
        cloaca.register(Workflow.named("one").task("first", cloaca.python().task("first")).build());
        String worker = cloaca.execute("one").context().getString("token");
        assertNotEquals(main, worker, "the task ran in a worker interpreter, not the one files load in");

        // A file loaded after the workers started is loaded there too before their next task.
        cloaca.python().load(file("second.py", tokenFile("second", tokens)));
        cloaca.register(Workflow.named("two").task("second", cloaca.python().task("second")).build());
        String second = cloaca.execute("two").context().getString("token");
        assertNotEquals(main, second);
        try (var listed = Files.list(tokens)) {
            assertTrue(listed.map(p -> p.getFileName().toString()).toList().containsAll(List.of(worker, second)));
        }
        // The workers' loads print nothing: each file's line shows once, from its load in the main interpreter.
        assertEquals("loaded\nloaded\n", out.toString(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("pythonContexts must be 0 or more, not -1", assertThrows(IllegalArgumentException.class,
                () -> Cloaca.configure().pythonContexts(-1)).getMessage());
    }

    @Test
    void a_failing_python_task_shows_its_error_in_the_result() throws Exception {
        start().python().load(file("fails.py", """
                import cloaca

                @cloaca.task(id="boom")
                def boom(context):
                    raise ValueError("no stock")
                """));
        cloaca.register(Workflow.named("order").task("boom", List.of(), Retry.NONE, cloaca.python().task("boom")).build());
        ExecutionResult result = cloaca.execute("order");
        assertEquals(ExecutionStatus.FAILED, result.status());
        TaskResult boom = result.task("boom").orElseThrow();
        assertEquals(TaskStatus.FAILED, boom.status());
        assertEquals("Python task execution failed: ValueError: no stock", boom.error());
        assertEquals("1 task(s) failed, 0 completed, 0 skipped", result.errorMessage());
    }

    @Test
    void a_java_task_throwing_an_error_fails_and_the_engine_goes_on() {
        start().register(Workflow.named("fragile")
                .task("assert", List.of(), Retry.fixed(2, java.time.Duration.ZERO), ctx -> {
                    throw new AssertionError("broken invariant");
                })
                .task("after", List.of("assert"), ctx -> ctx.put("ran", true))
                .build());
        ExecutionResult failed = cloaca.execute("fragile");
        assertEquals(ExecutionStatus.FAILED, failed.status());
        assertEquals(new TaskResult("assert", TaskStatus.FAILED, 2, "AssertionError: broken invariant"),
                failed.task("assert").orElseThrow());

        cloaca.register(Workflow.named("fine").task("ok", ctx -> ctx.put("ok", true)).build());
        assertTrue(cloaca.execute("fine").context().getBoolean("ok"));
    }

    @Test
    void python_files_that_cannot_load_name_the_file_and_line() throws Exception {
        PythonWorkflows python = start().python();
        Path syntax = file("syntax.py", "import cloaca\n\ndef broken(:\n    pass\n");
        ScriptLoadException e = assertThrows(ScriptLoadException.class, () -> python.load(syntax));
        assertEquals(3, e.line());
        assertEquals("SyntaxError", e.pythonType());
        assertEquals(syntax, e.file());
        assertTrue(e.getMessage().startsWith(syntax + ", line 3: SyntaxError: "), e.getMessage());

        Path raises = file("raises.py", "import cloaca\nx = 1\nraise RuntimeError('bad config')\n");
        ScriptLoadException r = assertThrows(ScriptLoadException.class, () -> python.load(raises));
        assertEquals(raises + ", line 3: RuntimeError: bad config", r.getMessage());
        assertTrue(r.details().contains("Traceback"), r.details());

        // An exception whose str() raises is described as a task's would be, not lost in a second error.
        Path unprintable = file("unprintable.py", """
                class Unprintable(Exception):
                    def __str__(self):
                        raise RuntimeError("str failed")

                raise Unprintable()
                """);
        ScriptLoadException u = assertThrows(ScriptLoadException.class, () -> python.load(unprintable));
        assertEquals(unprintable + ", line 5: Unprintable: <exception str() failed>", u.getMessage());
        assertTrue(u.details().contains("Unprintable"), u.details());

        // Whatever a file raises while loading is a load failure, KeyboardInterrupt included.
        Path interrupted = file("interrupted.py", "import cloaca\nraise KeyboardInterrupt('stop')\n");
        assertEquals(interrupted + ", line 2: KeyboardInterrupt: stop",
                assertThrows(ScriptLoadException.class, () -> python.load(interrupted)).getMessage());

        Path missing = dir.resolve("missing.py");
        ScriptLoadException m = assertThrows(ScriptLoadException.class, () -> python.load(missing));
        assertEquals(missing + ": no such file", m.getMessage());
        assertEquals(0, m.line());

        Path latin1 = Files.write(dir.resolve("latin1.py"), new byte[] {'#', ' ', (byte) 0xE9, '\n'});
        assertEquals(latin1 + ": not UTF-8 text",
                assertThrows(ScriptLoadException.class, () -> python.load(latin1)).getMessage());

        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> python.task("nope"));
        assertTrue(unknown.getMessage().startsWith("No loaded Python file declares a task 'nope'"), unknown.getMessage());
    }

    @Test
    void close_twice_is_a_no_op_and_a_closed_engine_says_so() {
        start().register(Workflow.named("w").task("t", ctx -> { }).build());
        cloaca.close();
        assertDoesNotThrow(cloaca::close);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> cloaca.execute("w"));
        assertEquals("This cloaca engine is closed; start a new one with Cloaca.configure()", e.getMessage());
        assertThrows(IllegalStateException.class, () -> cloaca.python());
        assertThrows(IllegalStateException.class, () -> cloaca.execution(java.util.UUID.randomUUID().toString()));
        assertThrows(IllegalStateException.class, () -> cloaca.executions(ExecutionQuery.newest(1)));
    }

    @Test
    void close_from_a_task_fails_that_task_with_a_clear_message_and_the_engine_survives() {
        AtomicReference<Cloaca> self = new AtomicReference<>();
        self.set(start());
        cloaca.register(Workflow.named("suicidal")
                .task("close", List.of(), Retry.NONE, ctx -> self.get().close())
                .build());
        ExecutionResult result = cloaca.execute("suicidal");
        assertEquals(ExecutionStatus.FAILED, result.status());
        assertTrue(result.task("close").orElseThrow().error().startsWith(
                "IllegalStateException: close() was called from inside task 'close'; a task cannot close"),
                result.task("close").orElseThrow().error());
        cloaca.register(Workflow.named("fine").task("ok", ctx -> ctx.put("ok", true)).build());
        assertTrue(cloaca.execute("fine").succeeded());
    }

    @Test
    void submit_returns_the_execution_id_at_once_and_a_future_of_its_result() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        start().register(Workflow.named("gate")
                .task("wait", ctx -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    ctx.put("n", ctx.getInt("n") * 2);
                })
                .build());
        List<Submission> submitted = List.of(cloaca.submit("gate", Context.of(Map.of("n", 1))),
                cloaca.submit("gate", Context.of(Map.of("n", 2))), cloaca.submit("gate", Context.of(Map.of("n", 3))));
        // Every execution is in the database while its task is still held back.
        for (Submission s : submitted) {
            assertTrue(cloaca.runner().history().findExecution(s.executionId()).isPresent(), s::executionId);
            assertFalse(s.result().isDone());
        }
        release.countDown();
        List<Integer> doubled = new ArrayList<>();
        for (Submission s : submitted) {
            ExecutionResult result = s.result().get(30, TimeUnit.SECONDS);
            assertEquals(s.executionId(), result.executionId());
            assertEquals(ExecutionStatus.COMPLETED, result.status());
            assertEquals(List.of(new TaskResult("wait", TaskStatus.COMPLETED, 1, null)), result.tasks());
            doubled.add(result.context().getInt("n"));
        }
        assertEquals(List.of(2, 4, 6), doubled);

        assertEquals("No workflow named 'nope' is registered; registered: [gate]",
                assertThrows(IllegalArgumentException.class, () -> cloaca.submit("nope", Context.empty())).getMessage());
        cloaca.close();
        assertThrows(IllegalStateException.class, () -> cloaca.submit("gate", Context.empty()));
    }

    @Test
    void execution_reads_an_execution_by_id_as_execute_returned_it() {
        start().register(INVOICE);
        cloaca.register(Workflow.named("fragile").task("boom", List.of(), Retry.NONE, ctx -> {
            throw new IllegalStateException("no stock");
        }).build());
        ExecutionResult completed = cloaca.execute("invoice", Context.of(Map.of("quantity", 4)));
        ExecutionResult failed = cloaca.execute("fragile");

        ExecutionResult found = cloaca.execution(completed.executionId()).orElseThrow();
        assertEquals(completed, found);
        assertEquals(ExecutionStatus.COMPLETED, found.status());
        assertEquals(List.of("price", "tax"), found.tasks().stream().map(TaskResult::name).toList());
        assertEquals(60.0, found.context().getDouble("gross"), 1e-9);
        ExecutionResult foundFailed = cloaca.execution(failed.executionId()).orElseThrow();
        assertEquals(failed, foundFailed);
        assertEquals(ExecutionStatus.FAILED, foundFailed.status());
        assertEquals("1 task(s) failed, 0 completed, 0 skipped", foundFailed.errorMessage());
        assertEquals(new TaskResult("boom", TaskStatus.FAILED, 1, "IllegalStateException: no stock"),
                foundFailed.task("boom").orElseThrow());
        assertEquals(Optional.of(completed), cloaca.execution(completed.executionId().toUpperCase(java.util.Locale.ROOT)));

        assertEquals(Optional.empty(), cloaca.execution(java.util.UUID.randomUUID().toString()));
        assertEquals("Execution id 'invoice' is not a UUID (expected 8-4-4-4-12 hexadecimal digits, as submit returns)",
                assertThrows(IllegalArgumentException.class, () -> cloaca.execution("invoice")).getMessage());
        assertEquals("executionId", assertThrows(NullPointerException.class, () -> cloaca.execution(null)).getMessage());
    }

    @Test
    void a_running_execution_is_read_while_its_task_is_held() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        start().register(Workflow.named("gate")
                .task("wait", ctx -> {
                    started.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                })
                .task("after", List.of("wait"), ctx -> ctx.put("after", true))
                .build());
        Submission submission = cloaca.submit("gate", Context.of(Map.of("n", 1)));
        String id = submission.executionId();
        try {
            assertTrue(started.await(30, TimeUnit.SECONDS), "the task did not start");
            ExecutionResult running = cloaca.execution(id).orElseThrow();
            assertEquals(ExecutionStatus.RUNNING, running.status());
            assertFalse(running.succeeded());
            assertNull(running.completedAt());
            assertNull(running.errorMessage());
            assertEquals(Context.of(Map.of("n", 1)), running.context(), "the input, while no task has completed");
            assertEquals(List.of(new TaskResult("wait", TaskStatus.RUNNING, 1, null),
                    new TaskResult("after", TaskStatus.NOT_STARTED, 0, null)), running.tasks());

            List<ExecutionSummary> listed = cloaca.executions(ExecutionQuery.newest(10).status(ExecutionStatus.RUNNING));
            assertEquals(List.of(id), listed.stream().map(ExecutionSummary::executionId).toList());
            assertEquals(1, listed.get(0).taskCounts().get(TaskStatus.RUNNING));
            assertEquals(1, listed.get(0).taskCounts().get(TaskStatus.NOT_STARTED));
            assertNull(listed.get(0).completedAt());
        } finally {
            release.countDown();
        }
        ExecutionResult ended = submission.result().get(30, TimeUnit.SECONDS);
        assertEquals(ExecutionStatus.COMPLETED, ended.status());
        assertEquals(Optional.of(ended), cloaca.execution(id));
        assertEquals(List.of(), cloaca.executions(ExecutionQuery.newest(10).status(ExecutionStatus.RUNNING)));
    }

    @Test
    void executions_lists_the_newest_first_narrowed_by_workflow_and_status() {
        TestClock clock = new TestClock(Instant.parse("2026-12-01T10:00:00Z"));
        cloaca = Cloaca.configure().database("sqlite://" + dir.resolve("history.db")).clock(clock)
                .pythonOut(new ByteArrayOutputStream()).start();
        cloaca.register(Workflow.named("load").task("rows", ctx -> ctx.put("rows", 3)).build());
        cloaca.register(Workflow.named("audit").task("check", List.of(), Retry.NONE, ctx -> {
            throw new IllegalStateException("mismatch");
        }).build());
        // A second apart each, so that newest first is one order, whatever the machine's speed.
        List<String> ids = new ArrayList<>();
        for (String workflow : List.of("load", "audit", "load")) {
            clock.set(clock.instant().plusSeconds(1));
            ids.add(cloaca.execute(workflow).executionId());
        }
        String load1 = ids.get(0);
        String audit = ids.get(1);
        String load2 = ids.get(2);

        assertEquals(List.of(load2, audit, load1), idsOf(cloaca.executions(ExecutionQuery.newest(10))));
        assertEquals(List.of(load2, audit), idsOf(cloaca.executions(ExecutionQuery.newest(2))));
        assertEquals(List.of(load2, load1), idsOf(cloaca.executions(ExecutionQuery.newest(10).workflow("load"))));
        assertEquals(List.of(audit), idsOf(cloaca.executions(ExecutionQuery.newest(10).status(ExecutionStatus.FAILED))));
        assertEquals(List.of(load2, load1),
                idsOf(cloaca.executions(ExecutionQuery.newest(10).status(ExecutionStatus.COMPLETED))));
        assertEquals(List.of(), idsOf(cloaca.executions(ExecutionQuery.newest(10).workflow("audit")
                .status(ExecutionStatus.COMPLETED))));
        assertEquals(List.of(), idsOf(cloaca.executions(ExecutionQuery.newest(10).workflow("nope"))));

        ExecutionSummary failed = cloaca.executions(ExecutionQuery.newest(1).workflow("audit")).get(0);
        Instant at = Instant.parse("2026-12-01T10:00:02Z");
        Map<TaskStatus, Integer> counts = new java.util.EnumMap<>(TaskStatus.class);
        for (TaskStatus status : TaskStatus.values()) {
            counts.put(status, status == TaskStatus.FAILED ? 1 : 0);
        }
        assertEquals(new ExecutionSummary(audit, "audit", ExecutionStatus.FAILED, at, at,
                "1 task(s) failed, 0 completed, 0 skipped", counts), failed);
        assertThrows(UnsupportedOperationException.class, () -> failed.taskCounts().put(TaskStatus.FAILED, 2));

        assertEquals("limit must be from 1 to 1000, got 0",
                assertThrows(IllegalArgumentException.class, () -> ExecutionQuery.newest(0)).getMessage());
        assertEquals("limit must be from 1 to 1000, got 1001",
                assertThrows(IllegalArgumentException.class, () -> ExecutionQuery.newest(1001)).getMessage());
        assertEquals("status", assertThrows(NullPointerException.class,
                () -> ExecutionQuery.newest(1).status(null)).getMessage());
        assertEquals("query", assertThrows(NullPointerException.class, () -> cloaca.executions(null)).getMessage());
    }

    private static List<String> idsOf(List<ExecutionSummary> executions) {
        return executions.stream().map(ExecutionSummary::executionId).toList();
    }

    @Test
    void a_schedule_fires_its_workflow_at_each_matching_instant_until_unscheduled() throws Exception {
        TestClock clock = new TestClock(Instant.parse("2026-12-01T10:00:30Z"));
        cloaca = Cloaca.configure().database("sqlite://" + dir.resolve("cron.db")).clock(clock)
                .pythonOut(new ByteArrayOutputStream()).start();
        cloaca.register(Workflow.named("tick").task("t", ctx -> ctx.put("ran", true)).build());
        // Only this test fires schedules, when it has moved the clock.
        cloaca.runner().cron().stop();
        String id = cloaca.schedule("tick", "*/15 * * * *", ZoneId.of("Europe/Berlin"));
        assertEquals(0, cloaca.runner().cron().runDue());

        clock.set(Instant.parse("2026-12-01T10:15:00Z"));
        assertEquals(1, cloaca.runner().cron().runDue());
        List<CronExecution> fired = cloaca.runner().cron().history(id, 10, 0);
        assertEquals(1, fired.size());
        assertEquals(Instant.parse("2026-12-01T10:15:00Z").toEpochMilli(), fired.get(0).scheduledTime());
        assertEquals("Completed", cloaca.runner().awaitExecution(fired.get(0).executionId(), Duration.ofSeconds(30))
                .status().name());

        cloaca.unschedule(id);
        clock.set(Instant.parse("2026-12-01T10:30:00Z"));
        assertEquals(0, cloaca.runner().cron().runDue());

        assertTrue(assertThrows(IllegalArgumentException.class, () -> cloaca.schedule("tick", "61 * * * *",
                ZoneId.of("UTC"))).getMessage().startsWith("Invalid cron expression"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> cloaca.schedule("nope", "* * * * *",
                ZoneId.of("UTC"))).getMessage().contains("nope"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> cloaca.unschedule("42")).getMessage()
                .startsWith("Invalid schedule ID: '42' is not a UUID"));
        assertEquals("no cron schedule with id '" + id + "'",
                assertThrows(IllegalArgumentException.class, () -> cloaca.unschedule(id)).getMessage());
    }

    @Test
    void a_trigger_starts_its_workflow_with_the_context_its_poll_returns() throws Exception {
        TestClock clock = new TestClock(Instant.parse("2026-12-01T10:00:00Z"));
        cloaca = Cloaca.configure().database("sqlite://" + dir.resolve("trigger.db")).clock(clock)
                .pythonOut(new ByteArrayOutputStream()).start();
        cloaca.register(Workflow.named("ingest").task("count", ctx -> ctx.put("lines", ctx.getString("file").length()))
                .build());
        cloaca.runner().cron().stop(); // the scheduler cron and triggers share: only runDue() polls
        java.util.ArrayDeque<String> inbox = new java.util.ArrayDeque<>(List.of("a.csv", "bb.csv"));
        cloaca.trigger("inbox", "ingest", Duration.ofMinutes(1),
                () -> Optional.ofNullable(inbox.poll()).map(f -> Context.of(Map.of("file", f))));

        assertEquals(1, cloaca.runner().triggers().runDue(), "a new trigger is due at once");
        clock.set(clock.instant().plus(Duration.ofMinutes(1)));
        assertEquals(1, cloaca.runner().triggers().runDue());
        clock.set(clock.instant().plus(Duration.ofMinutes(1)));
        assertEquals(1, cloaca.runner().triggers().runDue()); // polled, empty inbox: skipped, not recorded
        List<io.cloaca.engine.trigger.TriggerExecution> fired = cloaca.runner().triggers().history("inbox", 10, 0);
        assertEquals(2, fired.size());
        List<Integer> lines = new ArrayList<>();
        for (var f : fired) {
            var ended = cloaca.runner().awaitExecution(f.executionId(), Duration.ofSeconds(30));
            lines.add(ended.finalContext().get("lines").asInt());
        }
        assertEquals(List.of(6, 5), lines, "newest first: bb.csv, then a.csv");

        cloaca.trigger("broken", "ingest", Duration.ofMinutes(1), () -> null);
        assertEquals(1, cloaca.runner().triggers().runDue());
        assertTrue(cloaca.runner().triggers().history("broken", 1, 0).get(0).detail().contains("poll returned null"));

        assertTrue(assertThrows(IllegalArgumentException.class, () -> cloaca.trigger("t", "nope", Duration.ofSeconds(1),
                Optional::empty)).getMessage().startsWith("Trigger 't' names workflow 'nope', which is not registered"));
        assertThrows(IllegalArgumentException.class, () -> cloaca.trigger("t", "ingest", Duration.ZERO, Optional::empty));
        assertThrows(IllegalArgumentException.class, () -> cloaca.trigger(" ", "ingest", Duration.ofSeconds(1),
                Optional::empty));
    }

    /** A clock that stands still until the test moves it. */
    private static final class TestClock extends Clock {
        private volatile Instant now;

        TestClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new IllegalArgumentException("a test clock stays in UTC, got " + zone);
        }
    }

    @Test
    void bad_input_is_refused_naming_what_was_wrong() {
        assertEquals("url", assertThrows(NullPointerException.class,
                () -> Cloaca.configure().database(null)).getMessage());
        assertEquals("maxConcurrentTasks must be at least 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> Cloaca.configure().maxConcurrentTasks(0)).getMessage());
        assertEquals("taskTimeout", assertThrows(NullPointerException.class,
                () -> Cloaca.configure().taskTimeout(null)).getMessage());
        assertTrue(assertThrows(IllegalStateException.class, () -> Cloaca.configure().start()).getMessage()
                .startsWith("No database set"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Cloaca.configure()
                .database("sqlite://" + dir.resolve("x.db")).leaseDuration(java.time.Duration.ofSeconds(5)).start())
                .getMessage().startsWith("heartbeatInterval (PT10S) must be shorter than leaseDuration (PT5S)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Cloaca.configure()
                .database("sqlite://" + dir.resolve("x.db")).schema("acme").start())
                .getMessage().startsWith("Schema-based multi-tenancy requires PostgreSQL"));
        assertThrows(IllegalArgumentException.class, () -> Cloaca.configure().database("mysql://h/db").start());

        start();
        assertEquals("workflowName", assertThrows(NullPointerException.class, () -> cloaca.execute(null)).getMessage());
        assertEquals("input", assertThrows(NullPointerException.class, () -> cloaca.execute("w", null)).getMessage());
        assertEquals("workflow", assertThrows(NullPointerException.class, () -> cloaca.register(null)).getMessage());
        assertEquals("No workflow named 'nope' is registered; registered: []",
                assertThrows(IllegalArgumentException.class, () -> cloaca.execute("nope")).getMessage());
        assertEquals("file", assertThrows(NullPointerException.class, () -> cloaca.python().load(null)).getMessage());

        assertEquals("body", assertThrows(NullPointerException.class,
                () -> Workflow.named("w").task("t", null)).getMessage());
        assertEquals("id must be a non-blank name without \"::\", got 'a::b'", assertThrows(
                IllegalArgumentException.class, () -> Workflow.named("w").task("a::b", ctx -> { })).getMessage());
        // The ids as the caller wrote them, not the engine's namespaces (public::embedded::w::b).
        assertEquals("Workflow 'w': task 'b' depends on 'a', which is not one of its tasks [b]",
                assertThrows(IllegalArgumentException.class, () -> Workflow.named("w")
                        .task("b", List.of("a"), ctx -> { }).build()).getMessage());
        assertEquals("Workflow 'w': its tasks depend on each other in a cycle: x -> y -> x",
                assertThrows(IllegalArgumentException.class, () -> Workflow.named("w")
                        .task("x", List.of("y"), ctx -> { }).task("y", List.of("x"), ctx -> { }).build()).getMessage());
        assertEquals("Workflow 'w': task id 't' is already taken; each task needs an id of its own",
                assertThrows(IllegalArgumentException.class, () -> Workflow.named("w")
                        .task("t", ctx -> { }).task("t", ctx -> { })).getMessage());
        assertEquals("Workflow 'w': it has no task; add one with task(...) before build()",
                assertThrows(IllegalArgumentException.class, () -> Workflow.named("w").build()).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Retry(0, java.time.Duration.ZERO,
                java.time.Duration.ZERO, false));
    }
}
