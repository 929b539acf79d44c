package io.cloaca.engine.execution;

import io.cloaca.engine.store.ClaimedTask;
import io.cloaca.engine.store.ExecutionStore;
import io.cloaca.engine.store.FinishResult;
import io.cloaca.engine.workflow.Workflow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Collectors;

/**
 * A runner's background loops, for the work that no in-process event announces:
 * <ul>
 *   <li>heartbeat: renew the leases of the claims this runner holds in memory (by token), and only
 *       those: a claim it lost track of expires. A task claimed ahead (with its execution) that is still
 *       queued a whole heartbeat interval after its claim is given back instead: its workers are slower
 *       than their pace promised, and another runner may be free to take it;</li>
 *   <li>sweep: make Ready again the tasks whose claiming process is gone (its liveness lock is free:
 *       at once) or whose lease expired (the process is alive but silent), or abandon them after too
 *       many recoveries; the first sweep runs at start-up, so a process started after a crash resumes
 *       the dead one's work within its first second;</li>
 *   <li>owner watch: every {@link #OWNER_WATCH_INTERVAL}, one query for the liveness owners of other
 *       processes' claims, and a probe of their locks when there are any; when one has been gone for
 *       the lock's relock window (0 for file locks, a few seconds on PostgreSQL), a sweep at once. On
 *       PostgreSQL only busy runners run it: {@link MaintenanceRounds} watches the whole database in one
 *       query and asks every runner to sweep when a process it saw is gone;</li>
 *   <li>poll: queue Ready tasks this process did not create (other runners' executions, recovered
 *       tasks, due retries) and notice executions that another process finished (a slice of the
 *       awaited ones a poll, see {@link EndedElsewhereChecks}). Idle polls back off to 16 × the poll
 *       interval.</li>
 * </ul>
 * The heartbeat runs on the heartbeat thread; the others are run by the pool's {@link MaintenanceRounds},
 * which serves idle runners in turn within a budget.
 * Each loop catches and logs its failures with their stack trace, counts them and runs again at its
 * next tick: a database outage delays it, nothing more. Only workflows registered in this process are
 * touched. Heartbeats go on while shutdown drains running tasks and stop only after it.
 */
final class Maintenance {

    private static final Logger LOG = LoggerFactory.getLogger(Maintenance.class);
    /** An idle runner's polls back off to 2^4 = 16 poll intervals apart. */
    private static final int MAX_IDLE_DOUBLINGS = 4;
    /** How often the owners of other processes' claims are checked for a dead process. */
    static final Duration OWNER_WATCH_INTERVAL = Duration.ofSeconds(2);

    private final Runner runner;
    private final ExecutionStore store;
    private final RunnerConfig config;
    private final AtomicLong failures = new AtomicLong();
    /** Owners the watch found without their lock, and when it first did (runner clock); guarded by this. */
    private final Map<String, Long> firstSeenFree = new HashMap<>();
    /** Gone owners this runner has swept for and that are still recorded (claims it cannot take); guarded by this. */
    private final Set<String> sweptFor = new HashSet<>();
    private final EndedElsewhereChecks endedElsewhere = new EndedElsewhereChecks();
    /** Empty polls in a row, up to 4: the next poll comes after 2^idlePolls poll intervals. */
    private volatile int idlePolls;
    private volatile boolean sweepRequested;
    private final Loop sweepLoop;
    private final Loop pollLoop;
    private final Loop watchLoop;
    private ScheduledFuture<?> heartbeatLoop;
    private MaintenanceRounds rounds;
    /**
     * Held shared by a background loop while it runs, and exclusively by {@link #stop()}: cancelling a
     * loop does not wait for a run in flight, which would then meet the pool that shutdown closes next.
     */
    private final ReadWriteLock running = new ReentrantReadWriteLock();
    /** Set by {@link #stop()}; guarded by {@link #running}. */
    private boolean stopped;

    Maintenance(Runner runner) {
        this.runner = runner;
        this.store = runner.store();
        this.config = runner.config();
        this.sweepLoop = new Loop("sweep", false, true, config.sweepInterval(), this::sweep);
        this.pollLoop = new Loop("poll", false, true, config.pollInterval(), this::poll);
        Duration watch = OWNER_WATCH_INTERVAL.compareTo(config.sweepInterval()) < 0 ? OWNER_WATCH_INTERVAL
                : config.sweepInterval();
        this.watchLoop = new Loop("owner watch", false, true, watch, this::watchOwners);
        // The first sweep comes at once (a process started after a crash resumes the dead one's work),
        // the first poll and watch one interval later.
        long now = MaintenanceRounds.monotonicMillis();
        this.sweepLoop.nextAt = Long.MIN_VALUE;
        this.pollLoop.nextAt = now + config.pollInterval().toMillis();
        this.watchLoop.nextAt = now + watch.toMillis();
    }

    /** The poll interval: the rounds tick at the smallest of their runners'. */
    Duration pollInterval() {
        return config.pollInterval();
    }

    /**
     * Starts the heartbeat on {@code heartbeats} and hands the sweep, poll and owner watch to
     * {@code rounds}, which runs them for every runner of the database in bounded rounds.
     */
    void start(MaintenanceRounds rounds, ScheduledExecutorService heartbeats) {
        // Heartbeats never pause: a renewal that comes late lets another runner take live work.
        Runnable beat = guarded(new Loop("heartbeat", true, false, config.heartbeatInterval(), this::heartbeat));
        heartbeatLoop = heartbeats.scheduleWithFixedDelay(beat, config.heartbeatInterval().toMillis(),
                config.heartbeatInterval().toMillis(), TimeUnit.MILLISECONDS);
        this.rounds = rounds;
        rounds.join(this);
    }

    void stop() {
        if (heartbeatLoop != null) {
            heartbeatLoop.cancel(false);
        }
        if (rounds != null) {
            rounds.leave(this);
        }
        running.writeLock().lock();
        stopped = true;
        running.writeLock().unlock();
    }

    /** How many background rounds have failed so far. */
    long failures() {
        return failures.get();
    }

    /**
     * One background loop of this runner: its name, whether it keeps running once shutdown has begun
     * (heartbeats do), whether a loop that keeps failing pauses longer and longer (see
     * {@link FailureBackoff}) instead of logging the same fault every tick, and when it is next due
     * (monotonic milliseconds, set by {@link MaintenanceRounds}' walk).
     */
    private final class Loop {
        final String name;
        final boolean duringShutdown;
        final boolean backOff;
        final Duration interval;
        final Runnable body;
        final FailureBackoff backoff;
        volatile long nextAt;

        Loop(String name, boolean duringShutdown, boolean backOff, Duration interval, Runnable body) {
            this.name = name;
            this.duringShutdown = duringShutdown;
            this.backOff = backOff;
            this.interval = interval;
            this.body = body;
            this.backoff = new FailureBackoff(interval);
        }
    }

    /** {@code loop}'s body, guarded: a failure is logged with its cause and counted, never thrown. */
    private Runnable guarded(Loop loop) {
        return () -> {
            if ((runner.isShutDown() && !loop.duringShutdown) || (loop.backOff && !loop.backoff.due())) {
                return;
            }
            running.readLock().lock();
            try {
                if (stopped) {
                    return;
                }
                loop.body.run();
                int ended = loop.backoff.succeeded();
                if (ended > 0) {
                    LOG.info("Runner {}: {} works again after {} failed round(s)", runner.runnerId(), loop.name, ended);
                }
            } catch (RuntimeException e) {
                Duration pause = loop.backoff.failed();
                LOG.warn("Runner {}: {} failed ({} in a row, {} background failure(s) so far); next try in {} ms",
                        runner.runnerId(), loop.name, loop.backoff.failuresInARow(), failures.incrementAndGet(),
                        loop.backOff ? pause.toMillis() : loop.interval.toMillis(), e);
            } finally {
                running.readLock().unlock();
            }
        };
    }

    /**
     * Whether one of the loops the rounds run is due at {@code now} (monotonic ms); the owner watch only
     * when {@code watchHere} (the rounds watch owners for the whole database when they can).
     */
    boolean due(long now, boolean watchHere) {
        return !runner.isShutDown() && (now >= sweepLoop.nextAt || now >= pollLoop.nextAt || (watchHere && now >= watchLoop.nextAt));
    }

    /**
     * Whether this runner has work in flight: someone waits on one of its executions, or its last poll
     * found work (or it was woken and has not polled since). The rounds serve it every tick, outside
     * the idle budget.
     */
    boolean busy() {
        return idlePolls == 0 || sweepRequested || !runner.awaitedExecutions().isEmpty();
    }

    /** Whether a sweep was asked for by {@link #requestSweep()} and has not run yet. */
    boolean sweepRequested() {
        return sweepRequested;
    }

    /** Sweeps at the next round, whatever the sweep interval: a process that held claims is gone. */
    void requestSweep() {
        sweepRequested = true;
        sweepLoop.nextAt = Long.MIN_VALUE;
    }

    /**
     * Runs the loops that are due at {@code now} (monotonic ms) and plans their next turn; called by
     * {@link MaintenanceRounds} on the maintenance thread, never concurrently.
     *
     * @return how many loops ran
     */
    int runDue(long now, boolean watchHere) {
        if (runner.isShutDown()) {
            return 0; // the rounds drop it when its shutdown ends
        }
        int ran = 0;
        if (now >= sweepLoop.nextAt) {
            sweepRequested = false;
            sweepLoop.nextAt = now + sweepLoop.interval.toMillis();
            guarded(sweepLoop).run();
            ran++;
        }
        if (watchHere && now >= watchLoop.nextAt) {
            watchLoop.nextAt = now + watchLoop.interval.toMillis();
            guarded(watchLoop).run();
            ran++;
        }
        if (now >= pollLoop.nextAt) {
            guarded(pollLoop).run();
            // An idle poll backs off: 1, 2, 4, 8, then 16 poll intervals until the next.
            pollLoop.nextAt = now + pollLoop.interval.toMillis() * (1L << idlePolls);
            ran++;
        }
        return ran;
    }

    private long now() {
        return runner.clock().millis();
    }

    /** One round of every loop, now, whatever the idle back-off; see {@link Runner#runMaintenanceOnce()}. */
    synchronized MaintenanceReport runOnce() {
        int renewed = heartbeat();
        if (runner.isShutDown()) {
            return new MaintenanceReport(renewed, 0, 0, 0, 0);
        }
        int[] swept = sweep();
        int queued = poll();
        return new MaintenanceReport(renewed, swept[0], swept[1], swept[2], queued);
    }

    /** @return how many leases were renewed */
    private int heartbeat() {
        try {
            int givenBack = runner.giveBackWaitingClaims(now() - config.heartbeatInterval().toMillis());
            if (givenBack > 0) {
                LOG.info("Runner {}: gave back {} claimed task(s) still queued {} after their claim",
                        runner.runnerId(), givenBack, RunnerConfig.seconds(config.heartbeatInterval()));
            }
        } catch (RuntimeException e) {
            // The renewals below matter more: a claim kept here is renewed with the others.
            LOG.warn("Runner {}: could not give back claimed tasks still queued; they are kept and renewed",
                    runner.runnerId(), e);
        }
        Collection<ClaimedTask> held = runner.heldClaims();
        if (held.isEmpty()) {
            return 0;
        }
        int renewed = store.renewLeases(held, config.leaseDuration().toMillis());
        if (renewed < held.size()) {
            // Claims recorded since the snapshot are fine; others were lost (recovered elsewhere) and their
            // outcomes will be dropped.
            LOG.debug("Runner {}: renewed {} of {} claims", runner.runnerId(), renewed, held.size());
        }
        return renewed;
    }

    /** One owner watch now; see {@link Runner#watchClaimOwnersOnce()}. */
    synchronized MaintenanceReport watchOnce() {
        int[] swept = watchOwners();
        return new MaintenanceReport(0, swept[0], swept[1], swept[2], 0);
    }

    /**
     * Sweeps now if a process that takes claims here is gone; otherwise does nothing more than one query
     * (and a probe of the owners' locks when other processes take claims here). After the sweep, the gone
     * owners with no claim left are forgotten by the schema; one whose claims this runner cannot recover
     * (workflows it does not have) stays recorded, and this runner does not sweep for it again.
     *
     * @return claims examined, recovered, abandoned by the sweep, all 0 when none was needed
     */
    private int[] watchOwners() {
        Set<String> others = store.claimOwnersOtherThan(runner.liveness().owner());
        synchronized (this) {
            sweptFor.retainAll(others);
            others.removeAll(sweptFor);
        }
        if (others.isEmpty()) {
            return new int[3];
        }
        Set<String> gone = confirmedGone(runner.liveness().deadAmong(others));
        if (gone.isEmpty()) {
            return new int[3];
        }
        LOG.info("Runner {}: the process(es) of claim owner(s) {} are gone; recovering their claims now",
                runner.runnerId(), gone);
        int[] swept = sweep();
        store.forgetClaimOwners(gone);
        synchronized (this) {
            sweptFor.addAll(gone);
        }
        return swept;
    }

    /**
     * Those of {@code free} (owners whose lock is free now) that have been seen free for at least the
     * lock's relock window: a live PostgreSQL process whose liveness connection was cut is free for a
     * moment, and taking its claims then would re-run its tasks. Measured on the runner's clock.
     */
    private synchronized Set<String> confirmedGone(Set<String> free) {
        long window = runner.liveness().relockWindow().toMillis();
        if (window == 0) {
            return free;
        }
        long now = now();
        firstSeenFree.keySet().retainAll(free);
        free.forEach(owner -> firstSeenFree.putIfAbsent(owner, now));
        return free.stream().filter(owner -> now - firstSeenFree.get(owner) >= window).collect(Collectors.toSet());
    }

    /** @return claims examined, recovered, abandoned */
    int[] sweep() {
        Set<String> workflows = runner.registry().names();
        String self = runner.liveness().owner();
        List<ExecutionStore.OrphanedTask> suspects = store.findSuspectClaims(workflows, self);
        if (suspects.isEmpty()) {
            return new int[3];
        }
        Set<String> gone = runner.liveness().deadAmong(suspects.stream().filter(s -> !s.leaseExpired())
                .map(ExecutionStore.OrphanedTask::owner).collect(Collectors.toSet()));
        int recovered = 0;
        int abandoned = 0;
        for (ExecutionStore.OrphanedTask orphan : suspects) {
            boolean ownerGone = orphan.owner() != null && gone.contains(orphan.owner());
            Optional<Workflow> workflow = runner.registry().find(orphan.workflowName());
            if (workflow.isEmpty() || !(ownerGone || orphan.leaseExpired())) {
                continue; // alive and within its lease: never taken
            }
            String why = ownerGone ? "the process of runner " + orphan.previousOwner() + " is gone (its liveness lock is free)"
                    : "the lease of runner " + orphan.previousOwner() + " expired";
            if (orphan.recoveries() >= config.maxRecoveries()) {
                String reason = "ABANDONED: " + why + " and the task was already recovered " + orphan.recoveries()
                        + " time(s); it is not run again";
                FinishResult result = store.abandon(orphan, ownerGone, reason, workflow.get(), now());
                if (result.recorded()) {
                    abandoned++;
                    LOG.warn("Execution {}: task {} abandoned after {} recoveries", orphan.executionId(),
                            orphan.taskName(), orphan.recoveries());
                    result.ready().forEach(runner::enqueue);
                    runner.onFinish(result);
                }
            } else if (store.recover(orphan, ownerGone, now())) {
                recovered++;
                LOG.warn("Execution {}: task {} recovered (recovery {} of {}): {}", orphan.executionId(),
                        orphan.taskName(), orphan.recoveries() + 1, config.maxRecoveries(), why);
                runner.enqueue(orphan.taskId());
            }
        }
        return new int[] {suspects.size(), recovered, abandoned};
    }

    /** @return how many ready tasks were queued */
    int poll() {
        boolean found = false;
        if (!runner.awaitedExecutions().isEmpty()) {
            for (var record : store.findFinished(endedElsewhere.next(runner.awaitedExecutions()))) {
                runner.executionEnded(record);
            }
            found = true; // someone is waiting: keep looking at full speed
        }
        int capacity = runner.spareCapacity();
        int queued = 0;
        if (capacity > 0) {
            List<String> ready = store.findReadyTasks(runner.registry().names(), now(), capacity);
            ready.forEach(runner::enqueue);
            queued = ready.size();
            found |= queued > 0;
        } else {
            found = true;
        }
        idlePolls = found ? 0 : Math.min(idlePolls + 1, MAX_IDLE_DOUBLINGS);
        return queued;
    }
}
