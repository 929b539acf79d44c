package io.cloaca.engine.cron;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloaca.engine.CloacaException;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.store.ExecutionStore;
import io.cloaca.engine.store.RowIds;
import io.cloaca.engine.store.StartedBy;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Fires due cron instants. For each due schedule, one transaction (shared by up to {@link #BATCH}
 * schedules) moves {@code next_run_at} past now with a compare-and-set, creates the executions of the
 * instants the catch-up policy runs, and writes every instant's audit row already linked to its
 * execution. So an instant fires at most once across any number of runners, its audit row is never
 * "lost", and nothing waits for a workflow to finish: the new executions' root tasks go to the
 * runner's workers after the commit, like those of {@code submit}.
 *
 * <p>Only schedules of workflows registered in this process are fired. A schedule whose workflow no
 * runner has registered is left alone for {@link CronConfig#lostThreshold()} (another process may
 * have it, or this script may not have defined it yet), then its instant is recorded as failed and the
 * schedule moves on, so it never blocks the others.
 */
final class CronFirer implements DueWork {

    private static final Logger LOG = LoggerFactory.getLogger(CronFirer.class);
    /** Schedules claimed per transaction: one commit covers them all, which is what keeps 1,000 per second cheap. */
    static final int BATCH = 100;

    private final CronStore store;
    private final ExecutionStore executions;
    private final WorkflowRegistry registry;
    private final CronConfig config;
    private final String runnerId;
    private final Consumer<String> enqueue;
    /** Parsed rules by expression and zone: parsing costs more than the rest of a claim. */
    private final Map<String, CronRule> rules = new ConcurrentHashMap<>();

    CronFirer(CronStore store, ExecutionStore executions, WorkflowRegistry registry, CronConfig config, String runnerId,
              Consumer<String> enqueue) {
        this.store = store;
        this.executions = executions;
        this.registry = registry;
        this.config = config;
        this.runnerId = runnerId;
        this.enqueue = enqueue;
    }

    @Override
    public Optional<Instant> nextDue() {
        Set<String> known = registry.names();
        long lost = config.lostThreshold().toMillis();
        return store.earliestByWorkflow().entrySet().stream()
                .map(e -> known.contains(e.getKey()) ? e.getValue() : e.getValue() + lost)
                .min(Long::compare)
                .map(Instant::ofEpochMilli);
    }

    @Override
    public int runDue(Instant now) {
        int handled = 0;
        while (true) {
            Batch batch = store.database().inTransaction(c -> fireBatch(c, now.toEpochMilli()));
            batch.ready().forEach(enqueue);
            handled += batch.claimed();
            if (batch.selected() < BATCH) {
                return handled;
            }
        }
    }

    /** What one transaction did: schedules read, schedules claimed, root tasks to queue after the commit. */
    private record Batch(int selected, int claimed, List<String> ready) {
    }

    private Batch fireBatch(Connection c, long now) throws SQLException {
        List<CronSchedule> due = store.lockDue(c, now, registry.names(), now - config.lostThreshold().toMillis(), BATCH);
        List<CronStore.AuditRow> audit = new ArrayList<>();
        List<String> ready = new ArrayList<>();
        int claimed = 0;
        for (CronSchedule s : due) {
            CronRule rule;
            try {
                rule = rule(s);
            } catch (CloacaException e) {
                // Only if the stored row was edited by hand or the zone left the tz database: stop it, say why.
                store.disable(c, s.id(), now);
                LOG.error("Cron schedule {} disabled: {}", s.id(), e.getMessage());
                continue;
            }
            Instant next = rule.nextAfter(Instant.ofEpochMilli(now));
            if (!store.claim(c, s, next == null ? Long.MAX_VALUE : next.toEpochMilli(), now)) {
                continue; // another runner claimed these instants first
            }
            claimed++;
            List<Instant> missed = rule.firings(Instant.ofEpochMilli(s.nextRunAt()), Instant.ofEpochMilli(now),
                    config.maxCatchup());
            Optional<Workflow> workflow = registry.find(s.workflowName());
            if (workflow.isEmpty()) {
                String detail = "Workflow not found in registry: " + s.workflowName() + " (no runner had it registered"
                        + " within " + config.lostThreshold().toSeconds() + " s of the instant)";
                LOG.warn("Cron schedule {}: {}", s.id(), detail);
                missed.forEach(t -> audit.add(row(s, t, null, CronExecution.Outcome.FAILED, detail)));
                continue;
            }
            int runs = s.catchupPolicy() == CatchupPolicy.RUN_ALL ? missed.size() : 1;
            for (int i = 0; i < missed.size(); i++) {
                Instant instant = missed.get(i);
                if (i >= runs) {
                    audit.add(row(s, instant, null, CronExecution.Outcome.SKIPPED, "Missed while no runner was up;"
                            + " catchup_policy 'skip' runs only the earliest missed instant"));
                    continue;
                }
                String auditId = RowIds.next();
                String executionId = RowIds.next();
                ExecutionStore.Created created = executions.createExecution(c, executionId, s.workflowName(),
                        workflow.get(), context(s, instant, auditId), StartedBy.cron(s.id()), now);
                ready.addAll(created.ready());
                audit.add(new CronStore.AuditRow(auditId, s.id(), instant.toEpochMilli(), executionId,
                        CronExecution.Outcome.STARTED, null));
            }
            if (missed.size() == config.maxCatchup() && next != null
                    && missed.get(missed.size() - 1).isBefore(Instant.ofEpochMilli(now))) {
                LOG.warn("Cron schedule {}: more than {} instants were missed; those after {} are not recorded"
                        + " (cron_max_catchup_executions)", s.id(), config.maxCatchup(), missed.get(missed.size() - 1));
            }
        }
        store.insertAudit(c, audit, runnerId, now);
        return new Batch(due.size(), claimed, ready);
    }

    private CronRule rule(CronSchedule s) {
        if (rules.size() > 10_000) {
            rules.clear(); // expressions come and go with updates; keep the cache from growing without bound
        }
        return rules.computeIfAbsent(s.cronExpression() + '\u0000' + s.timezone(), k -> s.rule());
    }

    private static CronStore.AuditRow row(CronSchedule s, Instant instant, String executionId,
                                          CronExecution.Outcome outcome, String detail) {
        return new CronStore.AuditRow(RowIds.next(), s.id(), instant.toEpochMilli(), executionId,
                outcome, detail);
    }

    /** The initial context of a cron-started execution (the cron keys of upstream's §2.4, and a few more). */
    static String context(CronSchedule s, Instant instant, String auditId) {
        ObjectNode ctx = Context.JSON.createObjectNode();
        ctx.put("scheduled_time", Rfc3339.format(instant));
        ctx.put("schedule_id", s.id());
        ctx.put("schedule_timezone", s.timezone());
        ctx.put("schedule_expression", s.cronExpression());
        ctx.put("is_cron_execution", true);
        ctx.put("cron_execution_id", auditId);
        ctx.put("workflow_name", s.workflowName());
        return ctx.toString();
    }
}
