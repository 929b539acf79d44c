package io.cloaca.cli;

import io.cloaca.engine.cron.CronStore;
import io.cloaca.engine.store.Database;
import io.cloaca.engine.store.ExecutionHistory;
import io.cloaca.engine.store.StartedBy;
import io.cloaca.engine.trigger.TriggerStore;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * What started executions other than a caller's {@code execute}: a cron schedule or an event trigger, as
 * each execution's row records it (so it outlives the schedule's deletion, which deletes its audit rows).
 * A database an older engine wrote, not yet migrated, has no such record: there, the audit tables say it.
 * Shared by {@code cloaca executions} and the web view.
 */
public final class ExecutionStarters {

    private final ExecutionHistory history;
    private final CronStore cron;
    private final TriggerStore triggers;

    /** @param schema the PostgreSQL schema of the history, or null */
    public ExecutionStarters(Database database, String schema) {
        this.history = new ExecutionHistory(database, schema);
        this.cron = new CronStore(database, schema);
        this.triggers = new TriggerStore(database, schema);
    }

    /** The starter of each of {@code executionIds} that a schedule or trigger started, by execution id. */
    public Map<String, StartedBy> of(Collection<String> executionIds) {
        return history.startedBy(executionIds).orElseGet(() -> fromAuditRows(executionIds));
    }

    /** On a database not yet migrated to record it: what the schedules' and triggers' audit rows say. */
    private Map<String, StartedBy> fromAuditRows(Collection<String> executionIds) {
        Map<String, StartedBy> found = new HashMap<>();
        cron.schedulesOf(executionIds).forEach((id, schedule) -> found.put(id, StartedBy.cron(schedule)));
        triggers.triggersOf(executionIds).forEach((id, trigger) -> found.put(id, StartedBy.trigger(trigger)));
        return found;
    }

    /** {@code cron}, {@code trigger} or {@code execute} (no starter: a caller). */
    public static String kind(StartedBy starter) {
        return starter == null ? "execute" : starter.kind();
    }
}
