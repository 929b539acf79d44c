package io.cloaca.engine.execution;

import io.cloaca.engine.store.ExecutionStore;
import io.cloaca.engine.store.FinishResult;
import io.cloaca.engine.workflow.Workflow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A runner's background loops, for the work that no in-process event announces:
 * <ul>
 *   <li>heartbeat: renew the leases of the tasks this runner is running;</li>
 *   <li>sweep: make tasks whose lease expired (their runner died) Ready again, or abandon them after
 *       too many recoveries; the first sweep runs at start-up, and only expired leases are touched, so
 *       a live runner's work is never taken;</li>
 *   <li>poll: queue Ready tasks this process did not create (other runners' executions, recovered
 *       tasks, due retries) and notice executions that another process finished. Idle polls back off
 *       to 16 × the poll interval, so a thousand idle tenants cost little.</li>
 * </ul>
 * Each loop catches and logs its failures and runs again at its next tick: a database outage delays
 * it, nothing more. Only workflows registered in this process are touched.
 */
final class Maintenance {

    private static final Logger LOG = LoggerFactory.getLogger(Maintenance.class);
    private static final int MAX_IDLE_BACKOFF = 16;

    private final Runner runner;
    private final ExecutionStore store;
    private final RunnerConfig config;
    private final List<ScheduledFuture<?>> loops = new ArrayList<>();
    private int idlePolls;
    private int pollsToSkip;

    Maintenance(Runner runner) {
        this.runner = runner;
        this.store = runner.store();
        this.config = runner.config();
    }

    void start(ScheduledExecutorService scheduler) {
        loops.add(scheduler.scheduleWithFixedDelay(guard("heartbeat", this::heartbeat),
                config.heartbeatInterval().toMillis(), config.heartbeatInterval().toMillis(), TimeUnit.MILLISECONDS));
        loops.add(scheduler.scheduleWithFixedDelay(guard("sweep", this::sweep),
                0, config.sweepInterval().toMillis(), TimeUnit.MILLISECONDS));
        loops.add(scheduler.scheduleWithFixedDelay(guard("poll", this::poll),
                config.pollInterval().toMillis(), config.pollInterval().toMillis(), TimeUnit.MILLISECONDS));
    }

    void stop() {
        loops.forEach(loop -> loop.cancel(false));
    }

    private Runnable guard(String name, Runnable loop) {
        return () -> {
            if (runner.isShutDown()) {
                return;
            }
            try {
                loop.run();
            } catch (RuntimeException e) {
                LOG.warn("Runner {}: {} failed, will try again: {}", runner.runnerId(), name, e.getMessage());
            }
        };
    }

    private long now() {
        return runner.clock().millis();
    }

    private void heartbeat() {
        if (runner.holdsClaims()) {
            store.renewLeases(runner.runnerId(), now() + config.leaseDuration().toMillis());
        }
    }

    void sweep() {
        Set<String> workflows = runner.registry().names();
        for (ExecutionStore.OrphanedTask orphan : store.findExpiredLeases(workflows, now())) {
            Optional<Workflow> workflow = runner.registry().find(orphan.workflowName());
            if (workflow.isEmpty()) {
                continue;
            }
            if (orphan.recoveries() >= config.maxRecoveries()) {
                String reason = "ABANDONED: the lease of runner " + orphan.previousOwner() + " expired and the task"
                        + " was already recovered " + orphan.recoveries() + " time(s); it is not run again";
                FinishResult result = store.abandon(orphan, reason, workflow.get(), now());
                if (result.recorded()) {
                    LOG.warn("Execution {}: task {} abandoned after {} recoveries", orphan.executionId(),
                            orphan.taskName(), orphan.recoveries());
                    result.ready().forEach(runner::enqueue);
                    runner.onFinish(result);
                }
            } else if (store.recover(orphan, now())) {
                LOG.warn("Execution {}: task {} recovered (recovery {} of {}): the lease of runner {} expired",
                        orphan.executionId(), orphan.taskName(), orphan.recoveries() + 1, config.maxRecoveries(),
                        orphan.previousOwner());
                runner.enqueue(orphan.taskId());
            }
        }
    }

    void poll() {
        if (pollsToSkip > 0) {
            pollsToSkip--;
            return;
        }
        boolean found = false;
        if (!runner.awaitedExecutions().isEmpty()) {
            for (var record : store.findFinished(List.copyOf(runner.awaitedExecutions()))) {
                runner.executionEnded(record);
            }
            found = true; // someone is waiting: keep looking at full speed
        }
        int capacity = runner.spareCapacity();
        if (capacity > 0) {
            List<String> ready = store.findReadyTasks(runner.registry().names(), now(), capacity);
            ready.forEach(runner::enqueue);
            found |= !ready.isEmpty();
        } else {
            found = true;
        }
        idlePolls = found ? 0 : Math.min(idlePolls + 1, 4);
        pollsToSkip = found ? 0 : Math.min((1 << idlePolls) - 1, MAX_IDLE_BACKOFF - 1);
    }
}
