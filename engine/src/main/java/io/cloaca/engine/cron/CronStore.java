package io.cloaca.engine.cron;

import io.cloaca.engine.store.Database;
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
 * Every read and write of cron schedules and their audit rows, in one schema of one database. SQL is
 * schema-qualified like {@code ExecutionStore}'s. The methods taking a {@link Connection} run inside a
 * transaction the caller holds (the scheduler's claim-and-create transaction).
 */
public final class CronStore {

    private static final String SCHEDULE_COLUMNS = "id, workflow_name, cron_expression, timezone, enabled, "
            + "catchup_policy, next_run_at, last_run_at, created_at, updated_at";

    private final Database database;
    private final String schedules;
    private final String audit;
    private final String executions;

    /** @param schema PostgreSQL schema holding the tables, or null (always null on SQLite); already validated */
    public CronStore(Database database, String schema) {
        this.database = database;
        String prefix = schema == null ? "" : "\"" + schema + "\".";
        this.schedules = prefix + "cron_schedules";
        this.audit = prefix + "cron_executions";
        this.executions = prefix + "workflow_executions";
    }

    public Database database() {
        return database;
    }

    public void insert(CronSchedule s) {
        database.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schedules + " (" + SCHEDULE_COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, s.id());
                ps.setString(2, s.workflowName());
                ps.setString(3, s.cronExpression());
                ps.setString(4, s.timezone());
                ps.setBoolean(5, s.enabled());
                ps.setString(6, s.catchupPolicy().keyword());
                ps.setLong(7, s.nextRunAt());
                Rows.setLong(ps, 8, s.lastRunAt());
                ps.setLong(9, s.createdAt());
                ps.setLong(10, s.updatedAt());
                return ps.executeUpdate();
            }
        });
    }

    public Optional<CronSchedule> find(String id) {
        return database.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + SCHEDULE_COLUMNS + " FROM " + schedules
                    + " WHERE id = ?")) {
                ps.setString(1, id);
                return Rows.list(ps, CronStore::schedule).stream().findFirst();
            }
        });
    }

    /** Ordered by workflow name (then id, so pages are stable). */
    public List<CronSchedule> list(boolean enabledOnly, int limit, int offset) {
        return database.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + SCHEDULE_COLUMNS + " FROM " + schedules
                    + (enabledOnly ? " WHERE enabled = TRUE" : "") + " ORDER BY workflow_name, id LIMIT ? OFFSET ?")) {
                ps.setInt(1, limit);
                ps.setInt(2, offset);
                return Rows.list(ps, CronStore::schedule);
            }
        });
    }

    /** Replaces expression, zone, policy and next run; false if no such schedule. */
    public boolean update(String id, String expression, String timezone, CatchupPolicy policy, long nextRunAt, long now) {
        return database.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + schedules + " SET cron_expression = ?, timezone = ?,"
                    + " catchup_policy = ?, next_run_at = ?, updated_at = ? WHERE id = ?")) {
                ps.setString(1, expression);
                ps.setString(2, timezone);
                ps.setString(3, policy.keyword());
                ps.setLong(4, nextRunAt);
                ps.setLong(5, now);
                ps.setString(6, id);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** Flips {@code enabled}, and sets {@code next_run_at} when it is not null; false if no such schedule. */
    public boolean setEnabled(String id, boolean enabled, Long nextRunAt, long now) {
        return database.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + schedules + " SET enabled = ?,"
                    + " next_run_at = COALESCE(?, next_run_at), updated_at = ? WHERE id = ?")) {
                ps.setBoolean(1, enabled);
                Rows.setLong(ps, 2, nextRunAt);
                ps.setLong(3, now);
                ps.setString(4, id);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** Deletes a schedule and its audit rows; false if no such schedule. */
    public boolean delete(String id) {
        return database.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + schedules + " WHERE id = ?")) {
                ps.setString(1, id);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** A schedule's audit rows, newest instant first, with the status of each started execution. */
    public List<CronExecution> history(String scheduleId, int limit, int offset) {
        return database.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT a.id, a.schedule_id, a.scheduled_time, a.claimed_at,"
                    + " a.claimed_by, a.execution_id, a.outcome, a.detail, a.created_at, a.updated_at, e.status FROM "
                    + audit + " a LEFT JOIN " + executions + " e ON e.id = a.execution_id WHERE a.schedule_id = ?"
                    + " ORDER BY a.scheduled_time DESC LIMIT ? OFFSET ?")) {
                ps.setString(1, scheduleId);
                ps.setInt(2, limit);
                ps.setInt(3, offset);
                return Rows.list(ps, rs -> new CronExecution(rs.getString(1), rs.getString(2), rs.getLong(3),
                        rs.getLong(4), rs.getString(5), rs.getString(6), CronExecution.Outcome.of(rs.getString(7)),
                        rs.getString(8), rs.getLong(9), rs.getLong(10), rs.getString(11)));
            }
        });
    }

    /** Counts over the audit rows claimed at or after {@code since}. */
    public CronStats stats(long since) {
        return database.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*), COUNT(e.id) FROM " + audit + " a LEFT JOIN "
                    + executions + " e ON e.id = a.execution_id WHERE a.claimed_at >= ?")) {
                ps.setLong(1, since);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    long total = rs.getLong(1);
                    long successful = rs.getLong(2);
                    return new CronStats(total, successful, total - successful);
                }
            }
        });
    }

    /** For each workflow with enabled schedules, the earliest next_run_at among them. */
    public Map<String, Long> earliestByWorkflow() {
        return database.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT workflow_name, MIN(next_run_at) FROM " + schedules
                    + " WHERE enabled = TRUE GROUP BY workflow_name")) {
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

    /**
     * Which of {@code executionIds} a schedule started, by its audit rows: execution id to schedule id.
     * For databases that predate {@code workflow_executions.started_by}, which outlives the audit rows.
     */
    public Map<String, String> schedulesOf(Collection<String> executionIds) {
        if (executionIds.isEmpty()) {
            return Map.of();
        }
        return database.read(c -> Rows.lookup(c, "SELECT execution_id, schedule_id FROM " + audit
                + " WHERE execution_id", executionIds));
    }

    // ---- inside the scheduler's transaction ------------------------------------------------------

    /**
     * Enabled schedules due at {@code now}, earliest first: those of {@code workflows}, and those of
     * any workflow that have been due since {@code lostBefore}. On PostgreSQL the rows are locked and
     * rows another runner is claiming are passed over.
     */
    List<CronSchedule> lockDue(Connection c, long now, Collection<String> workflows, long lostBefore, int limit)
            throws SQLException {
        String registered = workflows.isEmpty() ? "" : "workflow_name IN (" + Rows.marks(workflows.size()) + ") OR ";
        String lock = database.dialect().singleWriter() ? "" : " FOR UPDATE SKIP LOCKED";
        try (PreparedStatement ps = c.prepareStatement("SELECT " + SCHEDULE_COLUMNS + " FROM " + schedules
                + " WHERE enabled = TRUE AND next_run_at <= ? AND (" + registered + "next_run_at <= ?)"
                + " ORDER BY next_run_at, id LIMIT ?" + lock)) {
            ps.setLong(1, now);
            int i = Rows.bind(ps, 2, workflows);
            ps.setLong(i++, lostBefore);
            ps.setInt(i, limit);
            return Rows.list(ps, CronStore::schedule);
        }
    }

    /**
     * Moves a schedule past the instants it claims: a compare-and-set on the {@code next_run_at} it was
     * read with, so two runners can never claim the same instants.
     *
     * @return false when another runner claimed them first, or the schedule changed meanwhile
     */
    boolean claim(Connection c, CronSchedule s, long nextRunAt, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + schedules + " SET next_run_at = ?, last_run_at = ?,"
                + " updated_at = ? WHERE id = ? AND next_run_at = ? AND enabled = TRUE")) {
            ps.setLong(1, nextRunAt);
            ps.setLong(2, now);
            ps.setLong(3, now);
            ps.setString(4, s.id());
            ps.setLong(5, s.nextRunAt());
            return ps.executeUpdate() == 1;
        }
    }

    /** Disables a schedule the scheduler cannot use. */
    void disable(Connection c, String id, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + schedules + " SET enabled = FALSE, updated_at = ?"
                + " WHERE id = ?")) {
            ps.setLong(1, now);
            ps.setString(2, id);
            ps.executeUpdate();
        }
    }

    /** The audit row of one claimed instant. */
    record AuditRow(String id, String scheduleId, long scheduledTime, String executionId, CronExecution.Outcome outcome,
                    String detail) {
    }

    void insertAudit(Connection c, List<AuditRow> rows, String runnerId, long now) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + audit + " (id, schedule_id, execution_id,"
                + " scheduled_time, claimed_at, claimed_by, outcome, detail, created_at, updated_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (AuditRow row : rows) {
                ps.setString(1, row.id());
                ps.setString(2, row.scheduleId());
                ps.setString(3, row.executionId());
                ps.setLong(4, row.scheduledTime());
                ps.setLong(5, now);
                ps.setString(6, runnerId);
                ps.setString(7, row.outcome().keyword());
                ps.setString(8, row.detail());
                ps.setLong(9, now);
                ps.setLong(10, now);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static CronSchedule schedule(ResultSet rs) throws SQLException {
        Long lastRunAt = Rows.longOrNull(rs, 8);
        return new CronSchedule(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getBoolean(5),
                CatchupPolicy.of(rs.getString(6)), rs.getLong(7), lastRunAt, rs.getLong(9), rs.getLong(10));
    }

}
