package io.cloaca.engine.trigger;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.SettableClock;
import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.execution.ExecutionResult;
import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.execution.RunnerFactory;
import io.cloaca.engine.store.ExecutionStatus;
import io.cloaca.engine.store.StartedBy;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static io.cloaca.engine.TestSupport.GENEROUS;
import static io.cloaca.engine.TestSupport.assertCloaca;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Event triggers driven by a settable clock and {@link TriggerSchedules#runDue()}: the background
 * scheduler is stopped, so a trigger is polled when the test asks, at the clock's time. Runs on SQLite,
 * and on PostgreSQL with {@code -Dcloaca.test.backend=postgresql}.
 */
class TriggerSchedulesTest {

    private static final Instant START = Instant.parse("2026-03-02T10:00:00Z");

    private final SettableClock clock = new SettableClock(START);
    private final List<RunnerFactory> factories = new ArrayList<>();
    @TempDir
    Path dir;
    private String url;

    @AfterEach
    void closeRunners() {
        factories.forEach(RunnerFactory::close);
    }

    private String url() {
        if (url == null) {
            url = TestDatabases.sharedDatabaseUrl(dir, "triggers.db");
        }
        return url;
    }

    /** A runner of its own (as another process would have) on the test's database, background stopped. */
    private Runner runner(Duration pollTimeout, Workflow... workflows) {
        WorkflowRegistry registry = new WorkflowRegistry();
        for (Workflow w : workflows) {
            registry.register(w);
        }
        RunnerFactory factory = new RunnerFactory(registry, clock, false);
        factories.add(factory);
        Runner runner = factory.open(url(), RunnerConfig.builder()
                .triggers(new TriggerConfig(true, pollTimeout)).build());
        runner.cron().stop(); // stops the scheduler cron and triggers share: only runDue() polls
        return runner;
    }

    private Runner runner(Workflow... workflows) {
        return runner(TriggerConfig.DEFAULT_POLL_TIMEOUT, workflows);
    }

    private static Workflow echo(String name) {
        return Workflow.builder(name).task("echo", ctx -> ctx.set("ran", true)).build();
    }

    @Test
    void a_fire_starts_the_workflow_with_the_trigger_keys_and_a_history_row_linked_to_it() {
        Runner runner = runner(echo("ingest"));
        runner.triggers().register(TriggerDefinition.every("files", "ingest", "5s", false,
                () -> TriggerResult.fire(Context.empty().set("path", "/in/a.csv"))));

        assertEquals(1, runner.triggers().runDue(), "a new trigger is due at once");
        List<TriggerExecution> history = runner.triggers().history("files", 100, 0);
        assertEquals(1, history.size());
        TriggerExecution row = history.get(0);
        assertEquals(TriggerExecution.Outcome.FIRED, row.outcome());
        ExecutionResult result = runner.awaitExecution(row.executionId(), GENEROUS);
        assertEquals(ExecutionStatus.Completed, result.status());
        assertEquals("/in/a.csv", result.finalContext().get("path").asText());
        assertEquals("files", result.finalContext().get("trigger_name").asText());
        assertEquals("2026-03-02T10:00:00+00:00", result.finalContext().get("triggered_at").asText());
        assertEquals(ContextHash.of(Context.empty().set("path", "/in/a.csv")), row.contextHash());
        assertEquals(Map.of(row.executionId(), StartedBy.trigger("files")),
                runner.history().startedBy(List.of(row.executionId())).orElseThrow());

        assertEquals(0, runner.triggers().runDue(), "not due again before its interval");
        clock.advance(Duration.ofSeconds(5));
        assertEquals(1, runner.triggers().runDue());
        assertEquals(2, runner.triggers().history("files", 100, 0).size(),
                "the same context fires again once the first execution has ended");
        TriggerSchedule s = runner.triggers().get("files").orElseThrow();
        assertEquals(5000L, s.pollIntervalMs());
        assertEquals(START.plusSeconds(10).toEpochMilli(), s.nextPollAt());
    }

    @Test
    void an_identical_context_is_not_started_again_while_one_is_in_flight_unless_allow_concurrent() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Workflow slow = Workflow.builder("slow").task("wait", ctx -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return ctx;
        }).build();
        Runner runner = runner(slow);
        runner.triggers().register(TriggerDefinition.every("once", "slow", "1s", false,
                () -> TriggerResult.fire(Context.empty().set("k", 1).set("j", 2))));
        runner.triggers().register(TriggerDefinition.every("many", "slow", "1s", true,
                () -> TriggerResult.fire(Context.empty().set("k", 1))));
        for (int i = 0; i < 3; i++) {
            assertEquals(2, runner.triggers().runDue());
            clock.advance(Duration.ofSeconds(1));
        }
        assertEquals(1, runner.triggers().history("once", 100, 0).size(), "in flight: not started again");
        assertEquals(3, runner.triggers().history("many", 100, 0).size(), "allow_concurrent starts each fire");
        release.countDown();
        for (TriggerExecution row : runner.triggers().history("many", 100, 0)) {
            runner.awaitExecution(row.executionId(), GENEROUS);
        }
        runner.awaitExecution(runner.triggers().history("once", 1, 0).get(0).executionId(), GENEROUS);
        assertEquals(2, runner.triggers().runDue());
        assertEquals(2, runner.triggers().history("once", 100, 0).size(), "ended: the same context fires again");
        assertEquals(ContextHash.of(Context.empty().set("j", 2).set("k", 1)),
                runner.triggers().history("once", 1, 0).get(0).contextHash(), "key order does not matter");
    }

    @Test
    void two_runners_on_one_database_poll_a_trigger_once_per_interval_between_them() {
        AtomicInteger polls = new AtomicInteger();
        TriggerPoll count = () -> {
            polls.incrementAndGet();
            return TriggerResult.skip();
        };
        Runner first = runner(echo("ingest"));
        Runner second = runner(echo("ingest"));
        first.triggers().register(TriggerDefinition.every("shared", "ingest", "100ms", false, count));
        second.triggers().register(TriggerDefinition.every("shared", "ingest", "100ms", false, count));

        int claimed = 0;
        for (int step = 0; step < 50; step++) {
            // Each asks at the same instant, in alternating order: exactly one of them polls.
            Runner a = step % 2 == 0 ? first : second;
            Runner b = step % 2 == 0 ? second : first;
            int now = a.triggers().runDue() + b.triggers().runDue();
            assertEquals(1, now, "step " + step);
            claimed += now;
            clock.advance(Duration.ofMillis(100));
        }
        assertEquals(50, claimed);
        assertEquals(50, polls.get());
        assertEquals(1, first.triggers().list(false, 100, 0).size(), "one row for the trigger, not one per runner");
    }

    @Test
    void a_poll_that_raises_returns_null_or_blocks_is_recorded_and_the_other_triggers_go_on() {
        CountDownLatch unblock = new CountDownLatch(1);
        Runner runner = runner(Duration.ofMillis(200), echo("ingest"));
        runner.triggers().register(TriggerDefinition.every("raises", "ingest", "1s", false, () -> {
            throw new IllegalStateException("disk on fire");
        }));
        runner.triggers().register(TriggerDefinition.every("returns_null", "ingest", "1s", false, () -> null));
        runner.triggers().register(TriggerDefinition.every("blocks", "ingest", "1s", false, () -> {
            unblock.await();
            return TriggerResult.skip();
        }));
        runner.triggers().register(TriggerDefinition.every("healthy", "ingest", "1s", true, TriggerResult::fire));

        assertEquals(4, runner.triggers().runDue());
        assertEquals("Trigger 'raises' poll raised IllegalStateException: disk on fire",
                runner.triggers().history("raises", 1, 0).get(0).detail());
        assertEquals("Trigger 'returns_null' must return TriggerResult, got: null",
                runner.triggers().history("returns_null", 1, 0).get(0).detail());
        TriggerExecution blocked = runner.triggers().history("blocks", 1, 0).get(0);
        assertEquals(TriggerExecution.Outcome.ERROR, blocked.outcome());
        assertTrue(blocked.detail().startsWith("Trigger 'blocks' poll did not return within 0.2 s"), blocked.detail());
        assertNull(blocked.executionId());
        assertEquals(TriggerExecution.Outcome.FIRED, runner.triggers().history("healthy", 1, 0).get(0).outcome());

        clock.advance(Duration.ofSeconds(1));
        assertEquals(3, runner.triggers().runDue(), "the blocked trigger waits for its poll; the others go on");
        assertEquals(2, runner.triggers().history("healthy", 100, 0).size());
        assertEquals(1, runner.triggers().history("raises", 100, 0).size(), "the same error again is not recorded again");
        clock.advance(Duration.ofMillis(TriggerPoller.REPEAT_ERROR_AFTER_MS));
        runner.triggers().runDue();
        assertEquals(2, runner.triggers().history("raises", 100, 0).size(), "... until a minute has passed");
        unblock.countDown();
    }

    @Test
    void a_cron_trigger_in_est_is_stored_under_that_name_and_polled_at_its_fixed_offset() {
        Runner runner = runner(echo("ingest"));
        runner.triggers().register(TriggerDefinition.cron("est", "ingest", "0 6 * * *", "EST", false,
                TriggerResult::skip));
        TriggerSchedule est = runner.triggers().get("est").orElseThrow();
        assertEquals("EST", est.timezone(), "not java.time's id for it, -05:00");
        assertEquals(Instant.parse("2026-03-02T11:00:00Z").toEpochMilli(), est.nextPollAt());
    }

    @Test
    void enabling_listing_and_bad_input() {
        Runner runner = runner(echo("ingest"));
        runner.triggers().register(TriggerDefinition.every("b_every", "ingest", "2m", false, TriggerResult::skip));
        runner.triggers().register(TriggerDefinition.cron("a_cron", "ingest", "*/10 * * * *", "UTC", false,
                TriggerResult::skip));
        assertEquals(List.of("a_cron", "b_every"), runner.triggers().list(false, 100, 0).stream()
                .map(TriggerSchedule::triggerName).toList());
        TriggerSchedule cron = runner.triggers().get("a_cron").orElseThrow();
        assertNull(cron.pollIntervalMs());
        assertEquals(Instant.parse("2026-03-02T10:10:00Z").toEpochMilli(), cron.nextPollAt());

        runner.triggers().setEnabled("b_every", false);
        assertEquals(List.of("a_cron"), runner.triggers().list(true, 100, 0).stream()
                .map(TriggerSchedule::triggerName).toList());
        assertEquals(0, runner.triggers().runDue(), "disabled: not polled");
        clock.advance(Duration.ofMinutes(10));
        assertEquals(1, runner.triggers().runDue(), "the cron trigger at 10:10");
        runner.triggers().setEnabled("b_every", true);
        assertEquals(1, runner.triggers().runDue());
        assertTrue(runner.triggers().get("nope").isEmpty());
        assertTrue(assertCloaca(CloacaException.Kind.NOT_FOUND, () -> runner.triggers().setEnabled("nope", true))
                .getMessage().contains("'nope'"));

        assertEquals("Trigger 'p': Invalid poll_interval: Invalid duration: 5 parsecs (expected " +
                TriggerTiming.ACCEPTED_INTERVALS + ")", assertCloaca(CloacaException.Kind.INVALID_ARGUMENT,
                () -> TriggerDefinition.every("p", "ingest", "5 parsecs", false, TriggerResult::skip)).getMessage());
        assertTrue(assertCloaca(CloacaException.Kind.INVALID_ARGUMENT,
                () -> TriggerDefinition.every("z", "ingest", "0ms", false, TriggerResult::skip)).getMessage()
                .contains("must be positive"));
        assertTrue(assertCloaca(CloacaException.Kind.INVALID_ARGUMENT,
                () -> TriggerDefinition.cron("c", "ingest", "61 * * * *", "UTC", false, TriggerResult::skip))
                .getMessage().startsWith("Trigger 'c': Invalid cron expression or timezone"));
        String unknown = assertCloaca(CloacaException.Kind.NOT_FOUND, () -> runner.triggers().register(
                TriggerDefinition.every("lost", "missing_wf", "1s", false, TriggerResult::skip))).getMessage();
        assertTrue(unknown.contains("'lost'") && unknown.contains("'missing_wf'"), unknown);
        assertFalse(runner.triggers().get("lost").isPresent(), "a rejected trigger leaves no row");
    }

    @Test
    void a_declared_trigger_whose_workflow_is_unknown_is_recorded_once_and_polled_once_it_is_registered() {
        WorkflowRegistry registry = new WorkflowRegistry();
        RunnerFactory factory = new RunnerFactory(registry, clock, false);
        factories.add(factory);
        Runner runner = factory.open(url(), RunnerConfig.DEFAULT);
        runner.cron().stop();
        AtomicInteger polls = new AtomicInteger();
        runner.triggers().declare(TriggerDefinition.every("early", "later_wf", "1s", false, () -> {
            polls.incrementAndGet();
            return TriggerResult.fire();
        }));
        assertEquals(1, runner.triggers().runDue());
        clock.advance(Duration.ofSeconds(1));
        assertEquals(1, runner.triggers().runDue());
        List<TriggerExecution> history = runner.triggers().history("early", 100, 0);
        assertEquals(1, history.size(), "recorded once, not once per interval");
        assertTrue(history.get(0).detail().startsWith("Trigger 'early' is bound to workflow 'later_wf', which is not"
                + " registered"), history.get(0).detail());
        assertEquals(0, polls.get());

        registry.register(echo("later_wf"));
        clock.advance(Duration.ofSeconds(1));
        assertEquals(1, runner.triggers().runDue());
        assertEquals(1, polls.get());
        assertEquals(TriggerExecution.Outcome.FIRED, runner.triggers().history("early", 1, 0).get(0).outcome());
    }
}
