package io.cloaca.engine.store;

import io.cloaca.engine.CloacaException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Read-only queries over the history a database holds, for tools that look at executions from outside
 * the runners ({@code cloaca executions}, {@code cloaca ui}). Nothing here writes.
 *
 * <p>Queries run once on a pooled connection and report failure at once (a {@link CloacaException}
 * of kind STORAGE) instead of retrying like the engine's writes: the caller is a person or a page
 * that retries by itself. {@link #retrying} is the history a program reads through
 * {@code Runner.history()}, whose queries retry transient failures as the engine's do. A database written by an older engine (before the task history columns)
 * is read as well, without dependencies or retried attempts.
 */
public final class ExecutionHistory {

    private final Database database;
    private final boolean retrying;
    private final String schema;
    private final String executions;
    private final String tasks;
    private final String attempts;
    /**
     * Whether the executions table has been seen with its {@code started_by} column (V8). Only that answer
     * is kept: migrations add columns and never drop them, so it stays true, while a database an older
     * engine left may be migrated at any moment by a runner of this version (in this process or another)
     * and is asked again on the next call. Tools build a history per command or request, a runner keeps
     * one for its life.
     */
    private volatile boolean startedByRecorded;

    /**
     * @param schema PostgreSQL schema holding the tables, or null for the connection's default (always
     *               null on SQLite)
     */
    public ExecutionHistory(Database database, String schema) {
        this(database, schema, false);
    }

    /**
     * The history as a runner's embedder reads it ({@code Runner.history()}): queries retry transient
     * failures (a database restart) like the engine's own reads, since the caller is a program that would
     * otherwise fail in the middle of its work.
     */
    public static ExecutionHistory retrying(Database database, String schema) {
        return new ExecutionHistory(database, schema, true);
    }

    private ExecutionHistory(Database database, String schema, boolean retrying) {
        this.retrying = retrying;
        this.database = database;
        this.schema = schema;
        // Schema names may come from information_schema (a tenant picker), so quotes are doubled here.
        String prefix = schema == null ? "" : "\"" + schema.replace("\"", "\"\"") + "\".";
        this.executions = prefix + "workflow_executions";
        this.tasks = prefix + "task_executions";
        this.attempts = prefix + "task_attempts";
    }

    /** An execution with how many of its tasks are in each status. */
    public record Summary(ExecutionRecord execution, Map<TaskStatus, Integer> taskCounts) {
    }

    /** One page of executions, newest first, and how many match the filter in all. */
    public record Page(List<Summary> executions, int total) {
    }

    /** An attempt of a task that ended in a retry (the task row holds the attempt after it). */
    public record Attempt(int attempt, Long startedAt, long endedAt, String error) {
    }

    /**
     * A task row with what the history adds to it.
     *
     * @param dependencies task names it waits for; empty for rows written before the history columns
     * @param retried      its earlier attempts that ended in a retry, oldest first
     */
    public record TaskHistory(TaskRecord task, List<String> dependencies, List<Attempt> retried) {
    }

    /** What a login finds where the engine's tables belong. */
    public enum Tables {
        /** No engine tables in this database (schema), or no such schema. */
        ABSENT,
        /** The tables are there, but this login may not read them (another tenant's schema). */
        NOT_READABLE,
        READABLE
    }

    /** Whether this database (schema) holds the engine's tables, and whether this login may read them. */
    public Tables tables() {
        return read(c -> table(c, "workflow_executions"));
    }

    /**
     * Executions newest first, optionally of one workflow and/or in one status.
     *
     * @param offset how many matching executions to skip
     */
    public Page listExecutions(String workflowName, ExecutionStatus status, int offset, int limit) {
        return read(c -> {
            List<String> args = new ArrayList<>();
            List<String> conditions = new ArrayList<>();
            if (workflowName != null) {
                conditions.add("workflow_name = ?");
                args.add(workflowName);
            }
            if (status != null) {
                conditions.add("status = ?");
                args.add(status.name());
            }
            String where = conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
            int total;
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + executions + where)) {
                Rows.bind(ps, 1, args);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    total = rs.getInt(1);
                }
            }
            List<ExecutionRecord> page;
            try (PreparedStatement ps = c.prepareStatement("SELECT " + StoreTables.EXECUTION_COLUMNS + " FROM "
                    + executions + where + " ORDER BY started_at DESC, id LIMIT ? OFFSET ?")) {
                int i = Rows.bind(ps, 1, args);
                ps.setInt(i++, limit);
                ps.setInt(i, offset);
                page = Rows.list(ps, StoreTables::executionRecord);
            }
            Map<String, Map<TaskStatus, Integer>> counts =
                    taskCounts(c, page.stream().map(ExecutionRecord::id).toList());
            return new Page(page.stream().map(e -> new Summary(e,
                    counts.getOrDefault(e.id(), Map.of()))).toList(), total);
        });
    }

    /** The most recent executions, optionally of one workflow. */
    public List<ExecutionRecord> recentExecutions(String workflowName, int limit) {
        return read(c -> {
            String where = workflowName == null ? "" : " WHERE workflow_name = ?";
            try (PreparedStatement ps = c.prepareStatement("SELECT " + StoreTables.EXECUTION_COLUMNS + " FROM "
                    + executions + where + " ORDER BY started_at DESC, id LIMIT ?")) {
                int i = 1;
                if (workflowName != null) {
                    ps.setString(i++, workflowName);
                }
                ps.setInt(i, limit);
                return Rows.list(ps, StoreTables::executionRecord);
            }
        });
    }

    private Map<String, Map<TaskStatus, Integer>> taskCounts(Connection c, List<String> executionIds)
            throws SQLException {
        Map<String, Map<TaskStatus, Integer>> counts = new HashMap<>();
        if (executionIds.isEmpty()) {
            return counts;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT execution_id, status, COUNT(*) FROM " + tasks
                + " WHERE execution_id IN (" + Rows.marks(executionIds.size()) + ") GROUP BY execution_id, status")) {
            Rows.bind(ps, 1, executionIds);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    TaskStatus status = TaskStatus.parse(rs.getString(2));
                    if (status != null) {
                        counts.computeIfAbsent(rs.getString(1), k -> new EnumMap<>(TaskStatus.class))
                                .put(status, rs.getInt(3));
                    }
                }
            }
        }
        return counts;
    }

    /** Names of the workflows that have executions, sorted. */
    public List<String> workflowNames() {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT workflow_name FROM " + executions
                    + " ORDER BY workflow_name")) {
                return Rows.list(ps, rs -> rs.getString(1));
            }
        });
    }

    public Optional<ExecutionRecord> findExecution(String executionId) {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + StoreTables.EXECUTION_COLUMNS
                    + " FROM " + executions + " WHERE id = ?")) {
                ps.setString(1, executionId);
                List<ExecutionRecord> rows = Rows.list(ps, StoreTables::executionRecord);
                return rows.stream().findFirst();
            }
        });
    }

    /**
     * What started each of {@code executionIds} that a cron schedule or a trigger started, by execution id
     * (a caller's are absent), as the rows recorded it when they were written; empty when the database
     * predates that record (an older engine's, which no runner of this version has migrated yet).
     */
    public Optional<Map<String, StartedBy>> startedBy(Collection<String> executionIds) {
        return read(c -> {
            if (!startedByRecorded) {
                if (!hasColumn(c, executions, "started_by")) {
                    return Optional.empty();
                }
                startedByRecorded = true;
            }
            Map<String, StartedBy> found = new HashMap<>();
            for (List<String> chunk : Rows.chunks(List.copyOf(executionIds))) {
                try (PreparedStatement ps = c.prepareStatement("SELECT id, started_by, starter FROM " + executions
                        + " WHERE started_by IS NOT NULL AND id IN (" + Rows.marks(chunk.size()) + ")")) {
                    Rows.bind(ps, 1, chunk);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            found.put(rs.getString(1), new StartedBy(rs.getString(2), rs.getString(3)));
                        }
                    }
                }
            }
            return Optional.of(found);
        });
    }

    /** Whether {@code table} has {@code column}: asked of the result's metadata, the same in both dialects. */
    private static boolean hasColumn(Connection c, String table, String column) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM " + table + " WHERE 1 = 0");
             ResultSet rs = ps.executeQuery()) {
            ResultSetMetaData meta = rs.getMetaData();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                if (meta.getColumnName(i).equalsIgnoreCase(column)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Task rows of one execution, in the order they started (those not started last, by name). */
    public List<TaskRecord> tasks(String executionId) {
        return read(c -> taskRows(c, executionId));
    }

    /** Task rows of one execution with their dependencies and retried attempts. */
    public List<TaskHistory> taskHistories(String executionId) {
        return read(c -> {
            List<TaskRecord> rows = taskRows(c, executionId);
            if (table(c, "task_attempts") == Tables.ABSENT) {
                return rows.stream().map(t -> new TaskHistory(t, List.of(), List.of())).toList();
            }
            Map<String, String> dependencies = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, dependencies FROM " + tasks
                    + " WHERE execution_id = ?")) {
                ps.setString(1, executionId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        dependencies.put(rs.getString(1), rs.getString(2));
                    }
                }
            }
            Map<String, List<Attempt>> retried = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT task_id, attempt, started_at, ended_at, error FROM "
                    + attempts + " WHERE execution_id = ? ORDER BY attempt, ended_at")) {
                ps.setString(1, executionId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        retried.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(new Attempt(rs.getInt(2),
                                StoreTables.longOrNull(rs, 3), rs.getLong(4), rs.getString(5)));
                    }
                }
            }
            return rows.stream().map(t -> new TaskHistory(t, parseNames(dependencies.get(t.id())),
                    retried.getOrDefault(t.id(), List.of()))).toList();
        });
    }

    /**
     * A cheap fingerprint of what can change, for pollers: every unfinished execution with the latest
     * change to its tasks, and (under the key {@code ""}) how many executions exist and how many ended.
     * Two equal snapshots mean nothing a reader shows has changed in between.
     */
    public Map<String, String> activity() {
        return read(c -> {
            Map<String, String> stamps = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*), SUM(CASE WHEN status IN"
                    + " ('Completed', 'Failed') THEN 1 ELSE 0 END) FROM " + executions)) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    stamps.put("", rs.getLong(1) + "/" + rs.getLong(2));
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT e.id, e.status, (SELECT MAX(t.updated_at) FROM "
                    + tasks + " t WHERE t.execution_id = e.id) FROM " + executions
                    + " e WHERE e.status = 'Running'")) {
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        stamps.put(rs.getString(1), rs.getString(2) + "/" + rs.getLong(3));
                    }
                }
            }
            return stamps;
        });
    }

    /** PostgreSQL schemas of this database that hold the engine's tables, sorted; empty on SQLite. */
    public static List<String> schemasWithTables(Database database) {
        return List.copyOf(schemaOwners(database).keySet());
    }

    /**
     * PostgreSQL schemas of this database that hold the engine's tables, sorted, each with the role
     * that owns it (a tenant's role, or whoever created a shared schema); empty on SQLite.
     */
    public static Map<String, String> schemaOwners(Database database) {
        if (database.dialect() != Dialect.POSTGRESQL) {
            return Map.of();
        }
        return new ExecutionHistory(database, null).read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT t.table_schema, pg_get_userbyid(n.nspowner)"
                    + " FROM information_schema.tables t JOIN pg_namespace n ON n.nspname = t.table_schema"
                    + " WHERE t.table_name = 'workflow_executions' ORDER BY t.table_schema")) {
                Map<String, String> owners = new LinkedHashMap<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        owners.put(rs.getString(1), rs.getString(2));
                    }
                }
                return owners;
            }
        });
    }

    /**
     * On PostgreSQL the catalogs, not information_schema: every role may read pg_class and pg_namespace,
     * while information_schema hides the tables a role may not read, which would make another tenant's
     * schema look empty rather than out of bounds.
     */
    private Tables table(Connection c, String table) throws SQLException {
        String sql = database.dialect() == Dialect.SQLITE
                ? "SELECT 1 = 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
                : "SELECT has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(t.oid, 'SELECT')"
                + " FROM pg_catalog.pg_class t JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace"
                + " WHERE t.relname = ? AND t.relkind IN ('r', 'p') AND n.nspname = "
                + (schema == null ? "current_schema()" : "?");
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, table);
            if (schema != null && database.dialect() != Dialect.SQLITE) {
                ps.setString(2, schema);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return !rs.next() ? Tables.ABSENT : rs.getBoolean(1) ? Tables.READABLE : Tables.NOT_READABLE;
            }
        }
    }

    private List<TaskRecord> taskRows(Connection c, String executionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + StoreTables.TASK_COLUMNS + " FROM " + tasks
                + " WHERE execution_id = ? ORDER BY COALESCE(started_at, 0), task_name")) {
            ps.setString(1, executionId);
            return Rows.list(ps, StoreTables::taskRecord);
        }
    }

    private static List<String> parseNames(String json) {
        if (json == null) {
            return List.of();
        }
        try {
            List<String> names = new ArrayList<>();
            io.cloaca.engine.context.Context.JSON.readTree(json).forEach(n -> names.add(n.asText()));
            return names;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return List.of(); // the column's CHECK keeps this from happening; a foreign row draws no edges
        }
    }

    private <T> T read(SqlWork<T> work) {
        if (retrying) {
            return database.read(work);
        }
        try (Connection c = database.dataSource().getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw CloacaException.storage("Database error: " + Database.rootMessage(e), e);
        }
    }
}
