package io.cloaca.engine.execution;

import io.cloaca.engine.store.ClaimedTask;
import io.cloaca.engine.store.ExecutionStore;
import io.cloaca.engine.store.FinishResult;
import io.cloaca.engine.workflow.Workflow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * A runner's background loops, for the work that no in-process event announces:
 * <ul>
 *   <li>heartbeat: renew the leases of the claims this runner holds in memory (by token), and only
 *       those: a claim it lost track of expires;</li>
 *   <li>sweep: make Ready again the tasks whose claiming process is gone (its liveness lock is free:
 *       at once) or whose lease expired (the process is alive but silent), or abandon them after too
 *       many recoveries; the first sweep runs at start-up, so a process started after a crash resumes
 *       the dead one's work within its first second;</li>
 *   <li>owner watch: every {@link #OWNER_WATCH_INTERVAL}, one query for the liveness owners of other
 *       processes' claims, and a probe of their locks when there are any; when one has been gone for
 *       the lock's relock window (0 for file locks, a few seconds on PostgreSQL), a sweep at once. So a running process takes over a dead peer's claims within seconds, not at its next
 *       sweep, at the cost of one indexed query per tick when no other process holds claims;</li>
 *   <li>poll: queue Ready tasks this process did not create (other runners' executions, recovered
 *       tasks, due retries) and notice executions that another process finished. Idle polls back off
 *       to 16 × the poll interval, so a thousand idle tenants cost little.</li>
 * </ul>
 * Each loop catches and logs its failures with their stack trace, counts them and runs again at its
 * next tick: a database outage delays it, nothing more. Only workflows registered in this process are
 * touched. Heartbeats go on while shutdown drains running tasks and stop only after it.
 */
final class Maintenance {

    private static final Logger LOG = LoggerFactory.getLogger(Maintenance.class);
    private static final int MAX_IDLE_BACKOFF = 16;
    /** How often the owners of other processes' claims are checked for a dead process. */
    static final Duration OWNER_WATCH_INTERVAL = Duration.ofSeconds(2);

    private final Runner runner;
    private final ExecutionStore store;
    private final RunnerConfig config;
    private final List<ScheduledFuture<?>> loops = new ArrayList<>();
    private final AtomicLong failures = new AtomicLong();
    /** Owners the watch found without their lock, and when it first did (runner clock); guarded by this. */
    private final Map<String, Long> firstSeenFree = new HashMap<>();
    private int idlePolls;
    private int pollsToSkip;

    Maintenance(Runner runner) {
        this.runner = runner;
        this.store = runner.store();
        this.config = runner.config();
    }

    void start(ScheduledExecutorService scheduler, ScheduledExecutorService heartbeats) {
        // Heartbeats never pause: a renewal that comes late lets another runner take live work.
        schedule(heartbeats, "heartbeat", true, false, config.heartbeatInterval(), config.heartbeatInterval(),
                this::heartbeat);
        schedule(scheduler, "sweep", false, true, Duration.ZERO, config.sweepInterval(), this::sweep);
        schedule(scheduler, "poll", false, true, config.pollInterval(), config.pollInterval(), () -> poll(false));
        Duration watch = OWNER_WATCH_INTERVAL.compareTo(config.sweepInterval()) < 0 ? OWNER_WATCH_INTERVAL
                : config.sweepInterval();
        schedule(scheduler, "owner watch", false, true, watch, watch, this::watchOwners);
    }

    void stop() {
        loops.forEach(loop -> loop.cancel(false));
    }

    /** How many background rounds have failed so far. */
    long failures() {
        return failures.get();
    }

    /**
     * Schedules {@code loop} every {@code interval}, guarded: a failure is logged with its cause and
     * counted, and (when {@code backOff}) a loop that keeps failing pauses longer and longer (see
     * {@link FailureBackoff}) instead of logging the same fault every tick.
     *
     * @param duringShutdown whether the loop keeps running once shutdown has begun (heartbeats do)
     */
    private void schedule(ScheduledExecutorService executor, String name, boolean duringShutdown, boolean backOff,
                          Duration initialDelay, Duration interval, Runnable loop) {
        FailureBackoff backoff = new FailureBackoff(interval);
        Runnable guarded = () -> {
            if ((runner.isShutDown() && !duringShutdown) || (backOff && !backoff.due())) {
                return;
            }
            try {
                loop.run();
                int ended = backoff.succeeded();
                if (ended > 0) {
                    LOG.info("Runner {}: {} works again after {} failed round(s)", runner.runnerId(), name, ended);
                }
            } catch (RuntimeException e) {
                Duration pause = backoff.failed();
                LOG.warn("Runner {}: {} failed ({} in a row, {} background failure(s) so far); next try in {} ms",
                        runner.runnerId(), name, backoff.failuresInARow(), failures.incrementAndGet(),
                        backOff ? pause.toMillis() : interval.toMillis(), e);
            }
        };
        loops.add(executor.scheduleWithFixedDelay(guarded, initialDelay.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS));
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
        int queued = poll(true);
        return new MaintenanceReport(renewed, swept[0], swept[1], swept[2], queued);
    }

    /** @return how many leases were renewed */
    private int heartbeat() {
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
     * Sweeps now if a process holding claims here is gone; otherwise does nothing more than one query
     * (and a probe of the owners' locks when other processes hold claims).
     *
     * @return claims examined, recovered, abandoned by the sweep, all 0 when none was needed
     */
    private int[] watchOwners() {
        Set<String> others = store.otherClaimOwners(runner.registry().names(), runner.liveness().owner());
        if (others.isEmpty()) {
            return new int[3];
        }
        Set<String> gone = confirmedGone(runner.liveness().deadAmong(others));
        if (gone.isEmpty()) {
            return new int[3];
        }
        LOG.info("Runner {}: the process(es) of claim owner(s) {} are gone; recovering their claims now",
                runner.runnerId(), gone);
        return sweep();
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

    /**
     * @param eager ignore the idle back-off
     * @return how many ready tasks were queued
     */
    int poll(boolean eager) {
        if (pollsToSkip > 0 && !eager) {
            pollsToSkip--;
            return 0;
        }
        boolean found = false;
        if (!runner.awaitedExecutions().isEmpty()) {
            for (var record : store.findFinished(List.copyOf(runner.awaitedExecutions()))) {
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
        idlePolls = found ? 0 : Math.min(idlePolls + 1, 4);
        pollsToSkip = found ? 0 : Math.min((1 << idlePolls) - 1, MAX_IDLE_BACKOFF - 1);
        return queued;
    }
}
