package io.cloaca.engine.execution;

import io.cloaca.engine.SettableClock;
import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.store.Claimant;
import io.cloaca.engine.store.ExecutionStatus;
import io.cloaca.engine.store.ExecutionStore;
import io.cloaca.engine.store.TaskRecord;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static io.cloaca.engine.TestSupport.GENEROUS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tenants of one PostgreSQL database share one maintenance loop: idle tenants are polled and swept
 * in turn within a budget, busy ones every tick, and a dead process is noticed once for the whole
 * database. Rounds are driven by hand ({@link MaintenanceRounds#tick} with chosen times, no executor),
 * on five real tenant schemas.
 */
class MaintenanceRoundsTest {

    private static final int TENANTS = 5;
    private static final Duration POLL = Duration.ofMillis(100);
    /** Two idle runners per 100 ms tick. */
    private static final int IDLE_PER_SECOND = 20;

    private final SettableClock clock = new SettableClock();
    private final AtomicInteger runs = new AtomicInteger();
    private RunnerFactory factory;
    private final List<Runner> runners = new ArrayList<>();
    private MaintenanceRounds rounds;

    @BeforeEach
    void tenants() {
        WorkflowRegistry registry = new WorkflowRegistry();
        registry.register(Workflow.builder("one").task("only", ctx -> {
            runs.incrementAndGet();
            return ctx.set("done", true);
        }).build());
        factory = new RunnerFactory(registry, clock, false);
        RunnerConfig config = RunnerConfig.builder().pollInterval(POLL).build();
        for (int i = 0; i < TENANTS; i++) {
            runners.add(factory.openSchema(TestDatabases.PG_URL, TestDatabases.newSchemaName(), config));
        }
        rounds = new MaintenanceRounds(null, runners.get(0).liveness(), IDLE_PER_SECOND);
        runners.forEach(r -> rounds.join(r.maintenance()));
    }

    @AfterEach
    void close() {
        factory.close();
    }

    private Set<String> served(long now) {
        Set<String> ids = new HashSet<>();
        for (Maintenance m : rounds.tick(now)) {
            ids.add(schemaOf(m));
        }
        return ids;
    }

    private String schemaOf(Maintenance m) {
        return runners.stream().filter(r -> r.maintenance() == m).findFirst().orElseThrow().schema();
    }

    /**
     * Brings every runner to idle with one round far enough ahead that all its loops are due: the first
     * sweep, and a poll that finds nothing. From then on the round's times alone decide what is due.
     */
    private long settle() {
        long t = MaintenanceRounds.monotonicMillis() + Duration.ofHours(1).toMillis();
        assertEquals(TENANTS, served(t).size(), "new runners are busy: each sweeps at once");
        runners.forEach(r -> assertFalse(r.maintenance().busy(), "an empty poll makes a runner idle"));
        return t;
    }

    /** Makes a ready execution in {@code runner}'s schema as another process would: nothing is queued here. */
    private String readyExecution(Runner runner) {
        ExecutionStore store = new ExecutionStore(runner.database(), runner.schema(), clock);
        String id = UUID.randomUUID().toString();
        store.createExecution(id, "one", runner.registry().get("one"), "{}", clock.millis());
        return id;
    }

    @Test
    void idle_tenants_are_polled_in_turn_within_the_budget_and_work_is_found_by_its_own_tenant() {
        long t = settle();
        assertEquals(Set.of(), served(t + POLL.toMillis()), "an idle poll backs off to two intervals");
        Runner last = runners.get(TENANTS - 1);
        String id = readyExecution(last);

        Set<String> first = served(t + 2 * POLL.toMillis());
        Set<String> second = served(t + 3 * POLL.toMillis());
        assertEquals(2, first.size(), "two idle tenants per tick: " + first);
        assertEquals(2, second.size(), "the next two, in turn: " + second);
        Set<String> both = new HashSet<>(first);
        both.addAll(second);
        assertEquals(4, both.size(), "no tenant served twice before every due one had its turn");
        if (!both.contains(last.schema())) {
            assertEquals(0, runs.get(), "no other tenant's runner touches the ready task");
            assertEquals(Set.of(last.schema()), served(t + 4 * POLL.toMillis()), "the fifth gets its turn next");
        }
        assertEquals(ExecutionStatus.Completed, last.awaitExecution(id, GENEROUS).status());
        assertEquals(1, runs.get());
        assertTrue(last.maintenance().busy(), "a poll that found work keeps its tenant at full speed");
    }

    @Test
    void a_busy_tenant_is_served_every_tick_even_when_idle_ones_use_up_the_budget() {
        long t = settle();
        Runner busy = runners.get(2);
        String id = readyExecution(busy);
        // Every idle runner is due two intervals on, more than the budget allows; the busy one is served as well.
        busy.maintenance().requestSweep();
        Set<String> served = served(t + 2 * POLL.toMillis());
        assertTrue(served.contains(busy.schema()), "busy tenant served: " + served);
        assertEquals(3, served.size(), "the busy tenant and two idle ones: " + served);
        assertEquals(ExecutionStatus.Completed, busy.awaitExecution(id, GENEROUS).status());
    }



    @Test
    void one_watch_for_the_database_has_every_tenant_sweep_when_a_process_seen_alive_is_gone() throws Exception {
        long t = settle();
        Runner tenant = runners.get(3);
        long key = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        Connection peerLock = TestDatabases.holdAdvisoryLock(key, true);
        long otherKey = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        Connection otherLock = TestDatabases.holdAdvisoryLock(otherKey, false);
        Set<String> live = tenant.liveness().liveOwners().orElseThrow();
        assertTrue(live.contains(Long.toString(key)), "a liveness connection's lock is a live owner");
        assertFalse(live.contains(Long.toString(otherKey)), "another application's advisory lock is no owner");
        String id = readyExecution(tenant);
        ExecutionStore store = new ExecutionStore(tenant.database(), tenant.schema(), clock);
        String held = tenant.history().tasks(id).get(0).id();
        assertTrue(store.claim(held, new Claimant("peer-runner", Long.toString(key), Duration.ofHours(1).toMillis()),
                clock.millis()).isPresent());

        long watch = Maintenance.OWNER_WATCH_INTERVAL.toMillis();
        t += watch;
        rounds.tick(t); // the peer is seen alive
        TestDatabases.releaseAdvisoryLock(otherLock, otherKey);
        TestDatabases.releaseAdvisoryLock(peerLock, key);
        t += watch;
        rounds.tick(t); // missed once: it may be taking its lock again
        runners.forEach(r -> assertFalse(r.maintenance().sweepRequested(), "no sweep within the relock window"));
        assertEquals(0, runs.get());
        // Gone for the relock window (4 s on PostgreSQL): every tenant sweeps, and the claim is recovered.
        t += 2 * watch;
        List<Maintenance> served = rounds.tick(t);
        assertEquals(TENANTS, served.size(), "every tenant sweeps at once, outside the idle budget");
        assertEquals(ExecutionStatus.Completed, tenant.awaitExecution(id, GENEROUS).status());
        TaskRecord task = tenant.history().tasks(id).get(0);
        assertEquals(1, task.recoveryAttempts(), "recovered once, from the dead peer");
        assertEquals(1, runs.get(), "run once, by its own tenant's runner");
    }
}
