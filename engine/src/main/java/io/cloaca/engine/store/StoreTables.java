package io.cloaca.engine.store;

import io.cloaca.engine.CloacaException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The execution tables of one schema and what every part of the store shares about them: their
 * schema-qualified names (validated, quoted identifiers: no statement relies on {@code search_path}),
 * the database's clock, the row lock that serialises an execution's writers, and the row mappers.
 */
final class StoreTables {

    static final String TASK_COLUMNS = "id, execution_id, task_name, status, attempt, max_attempts, "
            + "output_context, last_error, error_details, claimed_by, started_at, completed_at, recovery_attempts";
    static final String EXECUTION_COLUMNS = "id, workflow_name, workflow_version, status, initial_context, "
            + "final_context, error_message, started_at, completed_at";

    /**
     * SET items that put a task in the Ready queue, with one parameter: the time it joins, which orders the
     * queue. Every write of status Ready carries them (and no other): the poll reads their partial index,
     * and a check on the table refuses a row where they disagree with the status (V7__hot_task_updates.sql).
     * The flag is what the index's predicate tests: an equality the planner rates as selective even on a
     * table without statistics, which {@code queued_at IS NOT NULL} is not.
     */
    static final String ENQUEUE = "queued = 1, queued_at = ?";
    /** SET items that take a task out of the Ready queue; every move from Ready carries them. */
    static final String DEQUEUE = "queued = NULL, queued_at = NULL";
    /** SET items that end a task's claim, its token left in the row (see TaskCompletion's alreadyRecorded). */
    static final String UNCLAIM = "claimed_by = NULL, claim_owner = NULL, lease_expires_at = NULL";

    final Database database;
    final String executions;
    final String tasks;
    final String attempts;
    final String claimOwners;
    /** SQL for the database's time in epoch millis, with one parameter bound by {@link #bindNow}. */
    final String dbNow;
    private final Clock clock;

    StoreTables(Database database, String schema, Clock clock) {
        this.database = database;
        this.clock = clock;
        String prefix = schema == null ? "" : "\"" + schema + "\".";
        this.executions = prefix + "workflow_executions";
        this.tasks = prefix + "task_executions";
        this.attempts = prefix + "task_attempts";
        this.claimOwners = prefix + "claim_owners";
        this.dbNow = database.dialect().nowMillis();
    }

    Clock clock() {
        return clock;
    }

    /** Binds the parameter of {@link #dbNow} at {@code index}; returns the next index. */
    int bindNow(PreparedStatement ps, int index) throws SQLException {
        long value;
        if (database.dialect().singleWriter()) {
            value = clock.millis();
        } else {
            // The server's clock, shifted by how far the injected clock is from the system's (0 in production).
            value = clock.getClass() == Clock.systemUTC().getClass() ? 0 : clock.millis() - System.currentTimeMillis();
        }
        ps.setLong(index, value);
        return index + 1;
    }

    /**
     * The task row {@code alias} is of one of {@code count} workflows, whose names are bound in order: the
     * execution's workflow name by a correlated subquery rather than a join, for the poll for Ready work,
     * which starts from the Ready queue's index. The execution's key is then the only way to it. Joined,
     * SQLite planned the poll from every execution of the workflows (by the name index) and PostgreSQL
     * could on the empty tables of a new schema (the plan it then keeps): each poll read the whole history.
     */
    String ofWorkflows(String alias, int count) {
        return "(SELECT e.workflow_name FROM " + executions + " e WHERE e.id = " + alias + ".execution_id) IN ("
                + Rows.marks(count) + ")";
    }

    /**
     * FROM and WHERE for the Running task rows ({@code t}) of the Running executions ({@code e}), of
     * {@code workflows} workflows whose names are bound first, or of any workflow when 0. There is no index
     * of claims or leases: it would make every claim and outcome write index entries
     * (V7__hot_task_updates.sql), so these rows are reached through the index of executions by status and
     * workflow and the key of each one's task rows: the cost grows with the executions in progress, not
     * with the history. A task left Running in an execution that has ended (one failed for its version
     * while a sibling ran) is not among them: that execution's result is final.
     */
    String runningClaims(int workflows) {
        return " FROM " + executions + " e JOIN " + tasks + " t ON t.execution_id = e.id WHERE e.status = '"
                + ExecutionStatus.Running + "'" + (workflows == 0 ? "" : " AND e.workflow_name IN ("
                + Rows.marks(workflows) + ")") + " AND t.status = '" + TaskStatus.Running + "'";
    }

    /**
     * Holds the execution's row lock until commit, so that two tasks of one execution finishing at once
     * cannot both miss that their common dependent became ready.
     */
    void lockExecution(Connection c, String executionId) throws SQLException {
        if (database.dialect().singleWriter()) {
            return; // SQLite: the write lock already serialises every finishing transaction
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM " + executions + " WHERE id = ?"
                + database.dialect().forUpdate())) {
            ps.setString(1, executionId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw CloacaException.notFound("Execution " + executionId + " does not exist");
                }
            }
        }
    }

    /**
     * {@link #lockExecution}, then {@code write}, then {@link #progressRows}, then the steps of
     * {@code after}, in one round trip on PostgreSQL (see {@link Pipeline}): the write and the read happen once
     * the lock is held, so no other finish of the execution can change a status to or from a terminal one
     * until this transaction ends, and the rows read include what {@code write} changed.
     */
    Map<String, ExecutionProgress.Row> lockWriteAndReadProgress(Connection c, String executionId, Pipeline.Step write,
                                                                List<Pipeline.Step> after)
            throws SQLException {
        if (database.dialect().singleWriter()) {
            Pipeline.run(c, database.dialect(), write);
            Map<String, ExecutionProgress.Row> rows = progressRows(c, executionId);
            Pipeline.run(c, database.dialect(), after.toArray(Pipeline.Step[]::new));
            return rows;
        }
        Map<String, ExecutionProgress.Row> rows = new LinkedHashMap<>();
        List<Pipeline.Step> steps = new ArrayList<>(List.of(
                new Pipeline.Step("SELECT id FROM " + executions + " WHERE id = ?" + database.dialect().forUpdate(),
                        (ps, i) -> {
                            ps.setString(i, executionId);
                            return i + 1;
                        }, (rs, count) -> {
                            if (rs == null || !rs.next()) {
                                throw CloacaException.notFound("Execution " + executionId + " does not exist");
                            }
                        }),
                write,
                new Pipeline.Step(PROGRESS_SQL_HEAD + tasks + " WHERE execution_id = ?", (ps, i) -> {
                    ps.setString(i, executionId);
                    return i + 1;
                }, (rs, count) -> readProgress(rs, rows))));
        steps.addAll(after);
        Pipeline.run(c, database.dialect(), steps.toArray(Pipeline.Step[]::new));
        return rows;
    }

    Optional<ExecutionRecord> loadExecution(Connection c, String executionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + EXECUTION_COLUMNS + " FROM " + executions
                + " WHERE id = ?")) {
            ps.setString(1, executionId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(executionRecord(rs)) : Optional.empty();
            }
        }
    }

    String initialContext(Connection c, String executionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT initial_context FROM " + executions + " WHERE id = ?")) {
            ps.setString(1, executionId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "{}";
            }
        }
    }

    /** Output JSON of those of the named tasks that completed or were skipped. */
    Map<String, String> outputs(Connection c, String executionId, List<String> taskNames) throws SQLException {
        Map<String, String> outputs = new HashMap<>();
        for (List<String> chunk : Rows.chunks(taskNames)) {
            try (PreparedStatement ps = c.prepareStatement("SELECT task_name, output_context FROM " + tasks
                    + " WHERE execution_id = ? AND status IN ('Completed', 'Skipped') AND task_name IN ("
                    + Rows.marks(chunk.size()) + ")")) {
                ps.setString(1, executionId);
                Rows.bind(ps, 2, chunk);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        outputs.put(rs.getString(1), rs.getString(2));
                    }
                }
            }
        }
        return outputs;
    }

    private static final String PROGRESS_SQL_HEAD = "SELECT id, task_name, status, completed_at FROM ";

    /** The execution's task rows by task name, as {@link ExecutionProgress} reads them. */
    Map<String, ExecutionProgress.Row> progressRows(Connection c, String executionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(PROGRESS_SQL_HEAD + tasks + " WHERE execution_id = ?")) {
            ps.setString(1, executionId);
            Map<String, ExecutionProgress.Row> rows = new LinkedHashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                readProgress(rs, rows);
            }
            return rows;
        }
    }

    private static void readProgress(ResultSet rs, Map<String, ExecutionProgress.Row> rows) throws SQLException {
        while (rs.next()) {
            rows.put(rs.getString(2), new ExecutionProgress.Row(rs.getString(1), TaskStatus.parse(rs.getString(3)),
                    longOrNull(rs, 4)));
        }
    }

    /** The output of task {@code taskName}, or null. */
    String output(Connection c, String executionId, String taskName) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT output_context FROM " + tasks
                + " WHERE execution_id = ? AND task_name = ?")) {
            ps.setString(1, executionId);
            ps.setString(2, taskName);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Maps a row of {@link #TASK_COLUMNS}. */
    static TaskRecord taskRecord(ResultSet rs) throws SQLException {
        return new TaskRecord(rs.getString(1), rs.getString(2), rs.getString(3),
                TaskStatus.valueOf(rs.getString(4)), rs.getInt(5), rs.getInt(6), rs.getString(7),
                rs.getString(8), rs.getString(9), rs.getString(10), longOrNull(rs, 11),
                longOrNull(rs, 12), rs.getInt(13));
    }

    /** Maps a row of {@link #EXECUTION_COLUMNS}. */
    static ExecutionRecord executionRecord(ResultSet rs) throws SQLException {
        return new ExecutionRecord(rs.getString(1), rs.getString(2), rs.getString(3),
                ExecutionStatus.fromRow(rs.getString(4)), rs.getString(5), rs.getString(6), rs.getString(7),
                rs.getLong(8), longOrNull(rs, 9));
    }

    static Long longOrNull(ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }
}
