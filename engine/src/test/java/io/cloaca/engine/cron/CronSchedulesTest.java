package io.cloaca.engine.cron;

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
import java.util.concurrent.TimeUnit;

import static io.cloaca.engine.TestSupport.GENEROUS;
import static io.cloaca.engine.TestSupport.assertCloaca;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cron API and the firing rules, driven by a settable clock and {@link CronSchedules#runDue()}: the
 * background scheduler is stopped, so what fires is what the test asks for, when it asks. Runs on SQLite, and on PostgreSQL with {@code -Dcloaca.test.backend=postgresql}.
 */
class CronSchedulesTest {

    private static final Instant START = Instant.parse("2026-03-02T10:00:00Z");
    private static final CronConfig QUIET = new CronConfig(true, Duration.ofHours(1), 100, Duration.ofMinutes(10));

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
            url = TestDatabases.sharedDatabaseUrl(dir, "cron.db");
        }
        return url;
    }

    private Runner runner(CronConfig cron, Workflow... workflows) {
        WorkflowRegistry registry = new WorkflowRegistry();
        for (Workflow w : workflows) {
            registry.register(w);
        }
        RunnerFactory factory = new RunnerFactory(registry, clock);
        factories.add(factory);
        Runner runner = factory.open(url(), RunnerConfig.builder().cron(cron).build());
        runner.cron().stop(); // no background runs: only runDue() fires, at the clock's time
        return runner;
    }

    private static Workflow echo(String name) {
        return Workflow.builder(name).task("echo", ctx -> ctx.set("ran", true)).build();
    }

    private static ExecutionResult result(Runner runner, CronExecution row) {
        return runner.awaitExecution(row.executionId(), GENEROUS);
    }

    @Test
    void a_schedule_round_trips_through_register_list_get_update_enable_and_delete() {
        Runner runner = runner(QUIET, echo("report"), echo("cleanup"));
        String id = runner.cron().register("report", "30 2 * * *", "Europe/Berlin");
        String other = runner.cron().register("cleanup", "0 * * * *", "UTC", CatchupPolicy.RUN_ALL);
        assertEquals(id, id.toLowerCase());

        CronSchedule s = runner.cron().get(id);
        assertEquals("report", s.workflowName());
        assertEquals("30 2 * * *", s.cronExpression());
        assertEquals("Europe/Berlin", s.timezone());
        assertTrue(s.enabled());
        assertEquals(CatchupPolicy.SKIP, s.catchupPolicy());
        assertEquals(Instant.parse("2026-03-03T01:30:00Z").toEpochMilli(), s.nextRunAt());
        assertNull(s.lastRunAt());
        assertEquals(List.of("cleanup", "report"), runner.cron().list(false, 100, 0).stream()
                .map(CronSchedule::workflowName).toList());
        assertEquals(List.of(id), runner.cron().list(false, 1, 1).stream().map(CronSchedule::id).toList());

        clock.advance(Duration.ofMinutes(5));
        runner.cron().update(id, "*/15 * * * *", "UTC", CatchupPolicy.RUN_ALL);
        s = runner.cron().get(id);
        assertEquals("*/15 * * * *", s.cronExpression());
        assertEquals(CatchupPolicy.RUN_ALL, s.catchupPolicy());
        assertEquals(Instant.parse("2026-03-02T10:15:00Z").toEpochMilli(), s.nextRunAt());
        assertEquals(START.plusSeconds(300).toEpochMilli(), s.updatedAt());

        runner.cron().setEnabled(id, false);
        assertEquals(List.of(other), runner.cron().list(true, 100, 0).stream().map(CronSchedule::id).toList());
        clock.advance(Duration.ofHours(2));
        assertEquals(1, runner.cron().runDue());
        assertEquals(2, runner.cron().history(other, 100, 0).size(), "the enabled one runs 11:00 and 12:00 (run_all)");
        assertTrue(runner.cron().history(id, 100, 0).isEmpty(), "the disabled one does not");
        runner.cron().setEnabled(id, true);
        assertEquals(Instant.parse("2026-03-02T12:15:00Z").toEpochMilli(), runner.cron().get(id).nextRunAt(),
                "instants that passed while disabled are not missed runs");

        runner.cron().delete(id);
        assertCloaca(CloacaException.Kind.NOT_FOUND, () -> runner.cron().get(id));
        assertEquals(1, runner.cron().list(false, 100, 0).size());
    }

    @Test
    void an_instant_fires_once_and_its_audit_row_links_its_execution_while_the_workflow_still_runs() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Runner runner = runner(QUIET, Workflow.builder("slow").task("wait", ctx -> {
            if (!release.await(GENEROUS.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
            return ctx;
        }).build());
        String id = runner.cron().register("slow", "*/10 * * * *", "UTC");
        assertEquals(0, runner.cron().runDue(), "nothing is due before 10:10");

        clock.set(Instant.parse("2026-03-02T10:10:00Z"));
        assertEquals(1, runner.cron().runDue());
        assertEquals(0, runner.cron().runDue(), "an instant is claimed once");
        List<CronExecution> history = runner.cron().history(id, 100, 0);
        assertEquals(1, history.size());
        CronExecution row = history.get(0);
        assertEquals(CronExecution.Outcome.STARTED, row.outcome());
        assertEquals(Instant.parse("2026-03-02T10:10:00Z").toEpochMilli(), row.scheduledTime());
        assertNotNull(row.executionId(), "linked from the start");
        assertEquals("Running", row.executionStatus(), "the scheduler did not wait for the workflow");
        assertEquals(Instant.parse("2026-03-02T10:20:00Z").toEpochMilli(), runner.cron().get(id).nextRunAt());

        release.countDown();
        ExecutionResult result = result(runner, row);
        assertEquals(ExecutionStatus.Completed, result.status());
        Context ctx = result.finalContext();
        assertEquals("2026-03-02T10:10:00+00:00", ctx.get("scheduled_time").asText());
        assertEquals(id, ctx.get("schedule_id").asText());
        assertEquals("UTC", ctx.get("schedule_timezone").asText());
        assertEquals("*/10 * * * *", ctx.get("schedule_expression").asText());
        assertTrue(ctx.get("is_cron_execution").asBoolean());
        assertEquals(row.id(), ctx.get("cron_execution_id").asText());
        assertEquals(new CronStats(1, 1, 0), runner.cron().stats(START));
        assertEquals(100.0, runner.cron().stats(START).successRate());
    }

    @Test
    void an_execution_a_schedule_started_still_says_so_after_the_schedule_is_deleted() {
        Runner runner = runner(QUIET, echo("report"));
        String id = runner.cron().register("report", "*/10 * * * *", "UTC", CatchupPolicy.RUN_ALL);
        clock.set(Instant.parse("2026-03-02T10:20:00Z"));
        assertEquals(1, runner.cron().runDue());
        List<String> started = runner.cron().history(id, 100, 0).stream().map(CronExecution::executionId).toList();
        assertEquals(2, started.size(), "10:10 and 10:20");
        String called = runner.execute("report", Context.empty()).executionId();

        runner.cron().delete(id);
        // Upstream's cascade: the schedule's audit rows go with it, and its history with them.
        assertCloaca(CloacaException.Kind.NOT_FOUND, () -> runner.cron().history(id, 100, 0));
        assertEquals(new CronStats(0, 0, 0), runner.cron().stats(START));
        // The executions' own rows still say what started them.
        List<String> all = new ArrayList<>(started);
        all.add(called);
        Map<String, StartedBy> startedBy = runner.history().startedBy(all).orElseThrow();
        assertEquals(Map.of(started.get(0), StartedBy.cron(id), started.get(1), StartedBy.cron(id)), startedBy);
    }

    @Test
    void instants_missed_while_no_runner_was_up_follow_the_skip_policy_and_show_in_the_history() {
        Runner first = runner(QUIET, echo("report"));
        String id = first.cron().register("report", "*/10 * * * *", "UTC");
        first.shutdown();
        clock.set(Instant.parse("2026-03-02T10:45:00Z")); // 10:10, 10:20, 10:30 and 10:40 pass with no runner up

        Runner second = runner(QUIET, echo("report"));
        second.cron().runDue();
        List<CronExecution> history = second.cron().history(id, 100, 0);
        assertEquals(List.of("10:40 SKIPPED", "10:30 SKIPPED", "10:20 SKIPPED", "10:10 STARTED"), summary(history));
        assertEquals(ExecutionStatus.Completed, result(second, history.get(3)).status());
        assertEquals(Instant.parse("2026-03-02T10:50:00Z").toEpochMilli(), second.cron().get(id).nextRunAt());
        CronStats stats = second.cron().stats(START);
        assertEquals(new CronStats(4, 1, 3), stats);
        assertEquals(25.0, stats.successRate());
    }

    @Test
    void instants_missed_under_run_all_each_run_up_to_the_catch_up_bound() {
        CronConfig boundedTo3 = new CronConfig(true, Duration.ofHours(1), 3, Duration.ofMinutes(10));
        Runner first = runner(boundedTo3, echo("report"));
        String id = first.cron().register("report", "*/10 * * * *", "UTC", CatchupPolicy.RUN_ALL);
        first.shutdown();
        clock.set(Instant.parse("2026-03-02T10:45:00Z"));

        Runner second = runner(boundedTo3, echo("report"));
        second.cron().runDue();
        List<CronExecution> history = second.cron().history(id, 100, 0);
        assertEquals(List.of("10:30 STARTED", "10:20 STARTED", "10:10 STARTED"), summary(history));
        for (CronExecution row : history) {
            ExecutionResult r = result(second, row);
            assertEquals(ExecutionStatus.Completed, r.status());
            assertEquals(Instant.ofEpochMilli(row.scheduledTime()), Rfc3339.parse(r.finalContext().get("scheduled_time").asText()));
        }
        assertEquals(Instant.parse("2026-03-02T10:50:00Z").toEpochMilli(), second.cron().get(id).nextRunAt());
    }

    @Test
    void a_failing_workflow_is_recorded_as_failed_and_the_other_schedules_still_fire() {
        Runner runner = runner(QUIET, echo("good"),
                Workflow.builder("bad").task("boom", ctx -> {
                    throw new IllegalStateException("boom");
                }).build());
        String bad = runner.cron().register("bad", "*/10 * * * *", "UTC");
        String good = runner.cron().register("good", "*/10 * * * *", "UTC");
        clock.set(Instant.parse("2026-03-02T10:10:00Z"));
        assertEquals(2, runner.cron().runDue());
        assertEquals(ExecutionStatus.Failed, result(runner, runner.cron().history(bad, 1, 0).get(0)).status());
        assertEquals(ExecutionStatus.Completed, result(runner, runner.cron().history(good, 1, 0).get(0)).status());
        assertEquals("Failed", runner.cron().history(bad, 1, 0).get(0).executionStatus());
        clock.set(Instant.parse("2026-03-02T10:20:00Z"));
        assertEquals(2, runner.cron().runDue(), "a failed run does not stop its schedule");
    }

    @Test
    void a_schedule_whose_workflow_no_runner_has_is_left_alone_then_recorded_as_failed() {
        Runner first = runner(QUIET, echo("gone"));
        String id = first.cron().register("gone", "*/10 * * * *", "UTC");
        first.shutdown();

        Runner without = runner(QUIET, echo("other"));
        clock.set(Instant.parse("2026-03-02T10:15:00Z"));
        assertEquals(0, without.cron().runDue(), "another process may have the workflow: wait");
        assertTrue(without.cron().history(id, 100, 0).isEmpty());

        clock.set(Instant.parse("2026-03-02T10:20:01Z")); // 10:10 has waited past the 10-minute threshold
        assertEquals(1, without.cron().runDue());
        List<CronExecution> history = without.cron().history(id, 100, 0);
        assertEquals(List.of("10:20 FAILED", "10:10 FAILED"), summary(history));
        assertTrue(history.get(0).detail().startsWith("Workflow not found in registry: gone"), history.get(0).detail());
        assertNull(history.get(0).executionId());
        assertEquals(Instant.parse("2026-03-02T10:30:00Z").toEpochMilli(), without.cron().get(id).nextRunAt());
    }

    @Test
    void a_zone_accepted_at_registration_is_read_back_and_fired_by_the_scheduler_of_another_runner() {
        Runner first = runner(QUIET, echo("report"));
        String est = first.cron().register("report", "15 5 * * *", "EST"); // IANA's fixed -05:00, no DST
        String hst = first.cron().register("report", "0 1 * * *", "Pacific/Honolulu");
        first.cron().update(hst, "15 0 * * *", "HST", null);
        first.shutdown();

        Runner second = runner(QUIET, echo("report"));
        assertEquals("EST", second.cron().get(est).timezone());
        assertEquals("HST", second.cron().get(hst).timezone());
        clock.set(Instant.parse("2026-03-02T10:15:00Z")); // 05:15 EST and 00:15 HST
        assertEquals(2, second.cron().runDue(), "both stored zones parse again and fire");
        for (String id : List.of(est, hst)) {
            CronExecution row = second.cron().history(id, 10, 0).get(0);
            assertEquals(CronExecution.Outcome.STARTED, row.outcome(), "not disabled as unreadable");
            assertEquals(Instant.parse("2026-03-02T10:15:00Z").toEpochMilli(), row.scheduledTime());
            assertEquals(ExecutionStatus.Completed, result(second, row).status());
            assertTrue(second.cron().get(id).enabled());
        }
        assertEquals(Instant.parse("2026-03-03T10:15:00Z").toEpochMilli(), second.cron().get(est).nextRunAt());
        assertEquals("EST", result(second, second.cron().history(est, 1, 0).get(0)).finalContext()
                .get("schedule_timezone").asText());
    }

    @Test
    void bad_input_gets_a_clear_error_naming_the_value() {
        Runner runner = runner(QUIET, echo("report"));
        assertTrue(assertCloaca(CloacaException.Kind.NOT_FOUND,
                () -> runner.cron().register("nope", "* * * * *", "UTC")).getMessage()
                .equals("Workflow not found in registry: nope"));
        assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> runner.cron().register("report", "61 * * * *", "UTC"));
        assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> runner.cron().register("report", "* * *", "UTC"));
        assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> runner.cron().register("report", "* * * * *", "Mars/Olympus"));
        String malformed = assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> runner.cron().get("not-a-uuid")).getMessage();
        assertTrue(malformed.startsWith("Invalid schedule ID: 'not-a-uuid'"), malformed);
        String unknown = "00000000-0000-4000-8000-000000000000";
        for (var call : List.<org.junit.jupiter.api.function.Executable>of(() -> runner.cron().get(unknown),
                () -> runner.cron().update(unknown, "* * * * *", "UTC", null), () -> runner.cron().setEnabled(unknown, false),
                () -> runner.cron().delete(unknown), () -> runner.cron().history(unknown, 10, 0))) {
            assertTrue(assertCloaca(CloacaException.Kind.NOT_FOUND, call).getMessage().contains(unknown));
        }
        assertTrue(assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> runner.cron().list(false, -1, 0))
                .getMessage().equals("limit must not be negative, got -1"));
        assertTrue(runner.cron().list(false, 100, 0).isEmpty(), "nothing half-written");
        assertFalse(assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> CatchupPolicy.of("sometimes"))
                .getMessage().isEmpty());
    }

    @Test
    void with_cron_disabled_every_call_says_so() {
        Runner runner = runner(CronConfig.DISABLED, echo("report"));
        CloacaException e = assertCloaca(CloacaException.Kind.ILLEGAL_STATE,
                () -> runner.cron().register("report", "* * * * *", "UTC"));
        assertTrue(e.getMessage().startsWith("Cron scheduling not enabled."), e.getMessage());
        assertCloaca(CloacaException.Kind.ILLEGAL_STATE, () -> runner.cron().list(false, 10, 0));
    }

    private static List<String> summary(List<CronExecution> history) {
        return history.stream().map(r -> Instant.ofEpochMilli(r.scheduledTime()).toString().substring(11, 16) + " "
                + r.outcome()).toList();
    }
}
