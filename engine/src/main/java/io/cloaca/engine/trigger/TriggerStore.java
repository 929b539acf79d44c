package io.cloaca.engine.trigger;

import io.cloaca.engine.store.Database;
import io.cloaca.engine.store.RowIds;
import io.cloaca.engine.store.Rows;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every read and write of trigger rows and their history, in one schema of one database: the only
 * class that writes the trigger SQL. The methods taking a {@link Connection} run inside a transaction
 * the caller holds (a claim, or a fire together with the execution it creates).
 */
public final class TriggerStore {

    private static final String COLUMNS = "id, trigger_name, workflow_name, poll_interval_ms, cron_expression, timezone,"
            + " allow_concurrent, enabled, next_poll_at, last_poll_at, created_at, updated_at";

    private final Database database;
    private final String schedules;
    private final String history;
    private final String executions;

    /** @param schema PostgreSQL schema holding the tables, or null (always null on SQLite); already validated */
    public TriggerStore(Database database, String schema) {
        this.database = database;
        String prefix = schema == null ? "" : "\"" + schema + "\".";
        this.schedules = prefix + "trigger_schedules";
        this.history = prefix + "trigger_executions";
        this.executions = prefix + "workflow_executions";
    }

    Database database() {
        return database;
    }

    /**
     * Creates the row of a trigger defined in this process, or brings an existing one (from an earlier
     * run, or another process) up to date with the definition. Its enabled flag and history stay; its
     * next poll moves to {@code firstPollAt} only when its timing changed.
     */
    void upsert(TriggerDefinition d, long firstPollAt, long now) {
        database.inTransaction(c -> {
            Optional<TriggerSchedule> existing = find(c, d.name());
            if (existing.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schedules + " (" + COLUMNS
                        + ") VALUES (?, ?, ?, ?, ?, ?, ?, TRUE, ?, NULL, ?, ?) ON CONFLICT (trigger_name) DO NOTHING")) {
                    ps.setString(1, RowIds.next());
                    ps.setString(2, d.name());
                    ps.setString(3, d.workflowName());
                    Rows.setLong(ps, 4, d.intervalMillis());
                    ps.setString(5, d.cronExpression());
                    ps.setString(6, d.timezone());
                    ps.setBoolean(7, d.allowConcurrent());
                    ps.setLong(8, firstPollAt);
                    ps.setLong(9, now);
                    ps.setLong(10, now);
                    if (ps.executeUpdate() == 1) {
                        return null;
                    }
                }
                existing = find(c, d.name()); // another process inserted it meanwhile
            }
            TriggerSchedule s = existing.orElseThrow();
            boolean sameTiming = java.util.Objects.equals(s.pollIntervalMs(), d.intervalMillis())
                    && java.util.Objects.equals(s.cronExpression(), d.cronExpression())
                    && java.util.Objects.equals(s.timezone(), d.timezone());
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + schedules + " SET workflow_name = ?,"
                    + " poll_interval_ms = ?, cron_expression = ?, timezone = ?, allow_concurrent = ?, next_poll_at = ?,"
                    + " updated_at = ? WHERE trigger_name = ?")) {
                ps.setString(1, d.workflowName());
                Rows.setLong(ps, 2, d.intervalMillis());
                ps.setString(3, d.cronExpression());
                ps.setString(4, d.timezone());
                ps.setBoolean(5, d.allowConcurrent());
                ps.setLong(6, sameTiming ? s.nextPollAt() : firstPollAt);
                ps.setLong(7, now);
                ps.setString(8, d.name());
                ps.executeUpdate();
            }
            return null;
        });
    }

    public Optional<TriggerSchedule> find(String name) {
        return database.read(c -> find(c, name));
    }

    private Optional<TriggerSchedule> find(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM " + schedules
                + " WHERE trigger_name = ?")) {
            ps.setString(1, name);
            return Rows.list(ps, TriggerStore::schedule).stream().findFirst();
        }
    }

    /** Ordered by trigger name. */
    public List<TriggerSchedule> list(boolean enabledOnly, int limit, int offset) {
        return database.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM " + schedules
                    + (enabledOnly ? " WHERE enabled = TRUE" : "") + " ORDER BY trigger_name LIMIT ? OFFSET ?")) {
                ps.setInt(1, limit);
                ps.setInt(2, offset);
                return Rows.list(ps, TriggerStore::schedule);
            }
        });
    }

    /** Flips {@code enabled}, and sets the next poll when it is not null; false if no such trigger. */
    boolean setEnabled(String name, boolean enabled, Long nextPollAt, long now) {
        return database.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + schedules + " SET enabled = ?,"
                    + " next_poll_at = COALESCE(?, next_poll_at), updated_at = ? WHERE trigger_name = ?")) {
                ps.setBoolean(1, enabled);
                Rows.setLong(ps, 2, nextPollAt);
                ps.setLong(3, now);
                ps.setString(4, name);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** A trigger's recorded polls, newest first, with the status of each started execution. */
    public List<TriggerExecution> history(String name, int limit, int offset) {
        return database.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT h.id, h.trigger_name, h.context_hash, h.execution_id,"
                    + " h.outcome, h.detail, h.polled_at, h.polled_by, e.completed_at, h.created_at, e.status FROM "
                    + history + " h LEFT JOIN " + executions + " e ON e.id = h.execution_id WHERE h.trigger_name = ?"
                    + " ORDER BY h.created_at DESC, h.id LIMIT ? OFFSET ?")) {
                ps.setString(1, name);
                ps.setInt(2, limit);
                ps.setInt(3, offset);
                return Rows.list(ps, rs -> new TriggerExecution(rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getString(4), TriggerExecution.Outcome.of(rs.getString(5)), rs.getString(6), rs.getLong(7),
                        rs.getString(8), Rows.longOrNull(rs, 9), rs.getLong(10), rs.getString(11)));
            }
        });
    }

    /**
     * The trigger that fired each of {@code executionIds}, by its audit rows, by execution id; executions no
     * trigger started are absent. For databases that predate {@code workflow_executions.started_by}.
     */
    public Map<String, String> triggersOf(Collection<String> executionIds) {
        if (executionIds.isEmpty()) {
            return Map.of();
        }
        return database.read(c -> Rows.lookup(c, "SELECT execution_id, trigger_name FROM " + history
                + " WHERE execution_id", executionIds));
    }

    /** The next poll time of each enabled trigger among {@code names}. */
    Map<String, Long> nextPolls(Collection<String> names) {
        if (names.isEmpty()) {
            return Map.of();
        }
        return database.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT trigger_name, next_poll_at FROM " + schedules
                    + " WHERE enabled = TRUE AND trigger_name IN (" + Rows.marks(names.size()) + ")")) {
                Rows.bind(ps, 1, names);
                Map<String, Long> out = new HashMap<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getString(1), rs.getLong(2));
                    }
                }
                return out;
            }
        });
    }

    // ---- inside the poller's transactions ------------------------------------------------------------

    /** Enabled triggers among {@code names} due at {@code now}. */
    List<TriggerSchedule> due(Connection c, long now, Collection<String> names) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM " + schedules
                + " WHERE enabled = TRUE AND next_poll_at <= ? AND trigger_name IN (" + Rows.marks(names.size())
                + ") ORDER BY next_poll_at")) {
            ps.setLong(1, now);
            Rows.bind(ps, 2, names);
            return Rows.list(ps, TriggerStore::schedule);
        }
    }

    /**
     * Moves a trigger's next poll on: a compare-and-set on the {@code next_poll_at} it was read with, so
     * of any number of processes exactly one polls it in one interval.
     *
     * @return false when another process claimed this poll first, or the trigger was disabled meanwhile
     */
    boolean claim(Connection c, TriggerSchedule s, long nextPollAt, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + schedules + " SET next_poll_at = ?, last_poll_at = ?,"
                + " updated_at = ? WHERE trigger_name = ? AND next_poll_at = ? AND enabled = TRUE")) {
            ps.setLong(1, nextPollAt);
            ps.setLong(2, now);
            ps.setLong(3, now);
            ps.setString(4, s.triggerName());
            ps.setLong(5, s.nextPollAt());
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * Locks a trigger's row until commit (PostgreSQL; SQLite's writers are serialised anyway), so that
     * two fires of one trigger decide "already in flight" one after the other. False if it is gone.
     */
    boolean lock(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM " + schedules + " WHERE trigger_name = ?"
                + database.dialect().forUpdate())) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Whether an execution this trigger started with {@code contextHash} has not ended yet. */
    boolean inFlight(Connection c, String name, String contextHash) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + history + " h JOIN " + executions
                + " e ON e.id = h.execution_id WHERE h.trigger_name = ? AND h.context_hash = ?"
                + " AND e.status IN ('Pending', 'Running') LIMIT 1")) {
            ps.setString(1, name);
            ps.setString(2, contextHash);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Writes one history row. */
    void record(Connection c, String name, String contextHash, String executionId, TriggerExecution.Outcome outcome,
                String detail, long polledAt, String polledBy, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + history + " (id, trigger_name, context_hash,"
                + " execution_id, outcome, detail, polled_at, polled_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, RowIds.next());
            ps.setString(2, name);
            ps.setString(3, contextHash);
            ps.setString(4, executionId);
            ps.setString(5, outcome.keyword());
            ps.setString(6, detail);
            ps.setLong(7, polledAt);
            ps.setString(8, polledBy);
            ps.setLong(9, now);
            ps.executeUpdate();
        }
    }

    private static TriggerSchedule schedule(ResultSet rs) throws SQLException {
        return new TriggerSchedule(rs.getString(1), rs.getString(2), rs.getString(3), Rows.longOrNull(rs, 4),
                rs.getString(5), rs.getString(6), rs.getBoolean(7), rs.getBoolean(8), rs.getLong(9), Rows.longOrNull(rs, 10),
                rs.getLong(11), rs.getLong(12));
    }

}
