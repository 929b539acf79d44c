package io.cloaca.engine.durability;

import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.cron.CatchupPolicy;
import io.cloaca.engine.cron.CronExecution;
import io.cloaca.engine.cron.CronRule;
import io.cloaca.engine.cron.CronSchedule;
import io.cloaca.engine.cron.CronStore;
import io.cloaca.engine.store.Database;
import io.cloaca.engine.store.DatabaseUrl;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three runner processes with cron on share one PostgreSQL schema while a {@code *}{@code /2} schedule
 * runs for {@link #WINDOW}: every instant fires exactly once (one audit row, one execution, one run of
 * the body), with no gap between the first and the last.
 */
class CronExactlyOnceTest {

    /** 60 s of a two-second schedule: thirty instants, each contended by three processes. */
    private static final Duration WINDOW = Duration.ofSeconds(60);

    @Test
    void three_processes_fire_each_instant_of_a_two_second_schedule_exactly_once() throws Exception {
        String schema = TestDatabases.newSchemaName();
        String url = TestDatabases.PG_URL + "?schema=" + schema;
        List<Process> processes = new ArrayList<>();
        try (Database db = Database.open(DatabaseUrl.parse(url), 2, true)) {
            db.migrate(schema);
            try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE \"" + schema + "\".cron_side_effects (scheduled_time TEXT NOT NULL,"
                        + " runner TEXT NOT NULL)");
            }
            for (int i = 1; i <= 3; i++) {
                processes.add(SeveralRunnersTest.startProcess(CronRunnerProcess.class, url, "runner-" + i));
            }
            CronStore store = new CronStore(db, schema);
            CronRule rule = CronRule.parse("*/2 * * * * *", "UTC");
            // The processes re-read the schedules every second: start two seconds out so that all see it.
            Instant first = rule.nextAfter(Instant.now().plusSeconds(2));
            long now = System.currentTimeMillis();
            String id = UUID.randomUUID().toString();
            store.insert(new CronSchedule(id, CronRunnerProcess.WORKFLOW, rule.expression(), "UTC", true,
                    CatchupPolicy.SKIP, first.toEpochMilli(), null, now, now));

            Thread.sleep(Duration.between(Instant.now(), first.plus(WINDOW)).toMillis());
            store.setEnabled(id, false, null, System.currentTimeMillis());
            List<CronExecution> history = awaitRunsEnded(store, id);

            List<Instant> expected = rule.firings(first, Instant.ofEpochMilli(history.get(0).scheduledTime()), 1000);
            List<Instant> fired = history.stream().map(r -> Instant.ofEpochMilli(r.scheduledTime())).sorted().toList();
            assertEquals(expected, fired, "every instant from the first to the last, once each");
            assertTrue(fired.size() >= WINDOW.toSeconds() / 2 - 1, "fired " + fired.size() + " instants: " + fired);
            Map<String, Integer> byRunner = new HashMap<>();
            long worstLateness = 0;
            for (CronExecution row : history) {
                assertEquals(CronExecution.Outcome.STARTED, row.outcome(), row::toString);
                assertNotNull(row.executionId(), row::toString);
                byRunner.merge(row.claimedBy(), 1, Integer::sum);
                worstLateness = Math.max(worstLateness, row.claimedAt() - row.scheduledTime());
            }
            try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT scheduled_time, count(*) FROM \"" + schema
                         + "\".cron_side_effects GROUP BY scheduled_time")) {
                int instants = 0;
                while (rs.next()) {
                    assertEquals(1, rs.getInt(2), "the body ran more than once for " + rs.getString(1));
                    instants++;
                }
                assertEquals(fired.size(), instants, "one body run per fired instant");
            }
            System.out.println("instants fired: " + fired.size() + ", claims per runner: " + byRunner.values()
                    + ", latest claim after its instant: " + worstLateness + " ms");
        } finally {
            processes.forEach(Process::destroyForcibly);
        }
    }

    /** The schedule's history once every execution it started has ended. */
    private static List<CronExecution> awaitRunsEnded(CronStore store, String id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            List<CronExecution> history = store.history(id, 1000, 0);
            if (!history.isEmpty() && history.stream().allMatch(r -> "Completed".equals(r.executionStatus()))) {
                return history;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the schedule's executions did not all complete: " + store.history(id, 1000, 0));
    }
}
