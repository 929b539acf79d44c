package io.cloaca.bench;

import io.cloaca.engine.store.Database;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.RowIds;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The rows a 1-task workflow leaves, written with plain JDBC and nothing else, in the engine's own tables
 * (its migrations: keys, indexes, the foreign key, the CHECKs): an execution row and its task row inserted,
 * the task already claimed, committed; then the task's outcome and the execution's end, committed. Two
 * commits per workflow, as the engine makes, but none of its reads, locks or decisions: what any engine
 * that keeps these rows pays at least, and so how much of the engine's cost beyond the 2-UPDATE baseline
 * is its data rather than its code.
 */
final class RawEngineRows {

    private static final String WORKFLOW = "bench_raw_rows";
    private static final String RUNNER = "raw-rows";

    private final Backend backend;
    private final Setup setup;
    private final String createExecution;
    private final String createTask;
    private final String completeTask;
    private final String completeExecution;

    /** Creates the engine's tables where the raw connections reach. */
    RawEngineRows(Backend backend, Setup setup) {
        this.backend = backend;
        this.setup = setup;
        DatabaseUrl url = DatabaseUrl.parse(backend.rawEngineUrl(setup));
        try (Database database = Database.open(url, 2, setup.sqliteDurable())) {
            database.migrate(url instanceof DatabaseUrl.Postgres pg ? pg.schema() : null);
        }
        String executions = backend.rawTable("workflow_executions");
        String tasks = backend.rawTable("task_executions");
        this.createExecution = "INSERT INTO " + executions + " (id, workflow_name, workflow_version, status,"
                + " initial_context, started_at, updated_at) VALUES (?, '" + WORKFLOW + "', '1', 'Running', ?, ?, ?)";
        this.createTask = "INSERT INTO " + tasks + " (id, execution_id, task_name, status, attempt, max_attempts,"
                + " claimed_by, claim_owner, claim_token, lease_expires_at, started_at, updated_at, dependencies)"
                + " VALUES (?, ?, '" + WORKFLOW + "::task', 'Running', 1, 1, '" + RUNNER + "', '" + RUNNER
                + "', ?, ?, ?, ?, '[]')";
        this.completeTask = "UPDATE " + tasks + " SET status = 'Completed', output_context = ?, completed_at = ?,"
                + " updated_at = ?, claimed_by = NULL, claim_owner = NULL, lease_expires_at = NULL"
                + " WHERE id = ? AND status = 'Running' AND claim_token = ?";
        this.completeExecution = "UPDATE " + executions + " SET status = 'Completed', final_context = ?,"
                + " completed_at = ?, updated_at = ? WHERE id = ? AND status = 'Running'";
    }

    /** {@code workflows} 1-task workflows' rows written by {@code threads} workers. */
    Throughput throughput(int workflows, int threads) throws Exception {
        return RawWorkers.run(backend, setup, workflows, threads, 2, (c, lock) -> {
            Writer writer = statementByStatement(c, lock);
            return i -> writer.write(Rows.next());
        });
    }

    /**
     * One writer alone writing {@code workflows} 1-task workflows' rows one after another, each timed from
     * its first statement to its second commit, after {@code warmup} untimed: the least a lone execution's
     * two transactions cost the database, with nothing read, locked or decided. On PostgreSQL each
     * transaction's statements and its COMMIT go in one round trip, as the engine sends its own; SQLite has
     * no round trips to save.
     */
    Latencies singleWriter(int warmup, int workflows) throws SQLException {
        Latencies latencies = new Latencies();
        try (Connection c = backend.rawConnection(setup)) {
            Writer writer = backend.singleWriter() ? statementByStatement(c, null) : pipelined(c);
            for (int i = 0; i < warmup + workflows; i++) {
                Rows rows = Rows.next();
                long start = System.nanoTime();
                writer.write(rows);
                if (i >= warmup) {
                    latencies.add(System.nanoTime() - start);
                }
            }
        }
        return latencies;
    }

    /** Writes one workflow's rows in its two transactions. */
    @FunctionalInterface
    private interface Writer {
        void write(Rows rows) throws SQLException;
    }

    /** Each statement on its own, on {@code c} (statements closed with it), taking {@code lock}'s turns if any. */
    private Writer statementByStatement(Connection c, ReentrantLock lock) throws SQLException {
        PreparedStatement execution = c.prepareStatement(createExecution);
        PreparedStatement task = c.prepareStatement(createTask);
        PreparedStatement outcome = c.prepareStatement(completeTask);
        PreparedStatement end = c.prepareStatement(completeExecution);
        return rows -> {
            RawWorkers.transaction(c, lock, null, () -> {
                rows.bindExecution(execution, 1);
                execution.executeUpdate();
                rows.bindTask(task, 1);
                task.executeUpdate();
            });
            RawWorkers.transaction(c, lock, null, () -> {
                rows.bindOutcome(outcome, 1);
                rows.bindEnd(end, 1);
                rows.check(outcome.executeUpdate(), end.executeUpdate());
            });
        };
    }

    /** Each transaction's statements and its COMMIT in one prepared statement: one round trip (PostgreSQL). */
    private Writer pipelined(Connection c) throws SQLException {
        PreparedStatement create = c.prepareStatement(createExecution + ";\n" + createTask + ";\nCOMMIT");
        PreparedStatement finish = c.prepareStatement(completeTask + ";\n" + completeExecution + ";\nCOMMIT");
        return rows -> {
            RawWorkers.transaction(c, null, null, () -> {
                rows.bindTask(create, rows.bindExecution(create, 1));
                create.execute();
            });
            RawWorkers.transaction(c, null, null, () -> {
                rows.bindEnd(finish, rows.bindOutcome(finish, 1));
                finish.execute();
                int outcome = finish.getUpdateCount();
                finish.getMoreResults();
                rows.check(outcome, finish.getUpdateCount());
            });
        };
    }

    /** One workflow's keys and time, bound into the four statements from {@code index} on. */
    private record Rows(String executionId, String taskId, String token, long now) {

        static Rows next() {
            return new Rows(RowIds.next(), RowIds.next(), RowIds.next(), System.currentTimeMillis());
        }

        int bindExecution(PreparedStatement ps, int index) throws SQLException {
            int i = index;
            ps.setString(i++, executionId);
            ps.setString(i++, "{}");
            ps.setLong(i++, now);
            ps.setLong(i++, now);
            return i;
        }

        int bindTask(PreparedStatement ps, int index) throws SQLException {
            int i = index;
            ps.setString(i++, taskId);
            ps.setString(i++, executionId);
            ps.setString(i++, token);
            ps.setLong(i++, now + 60_000);
            ps.setLong(i++, now);
            ps.setLong(i++, now);
            return i;
        }

        int bindOutcome(PreparedStatement ps, int index) throws SQLException {
            int i = index;
            ps.setString(i++, "{}");
            ps.setLong(i++, now);
            ps.setLong(i++, now);
            ps.setString(i++, taskId);
            ps.setString(i++, token);
            return i;
        }

        int bindEnd(PreparedStatement ps, int index) throws SQLException {
            int i = index;
            ps.setString(i++, "{}");
            ps.setLong(i++, now);
            ps.setLong(i++, now);
            ps.setString(i++, executionId);
            return i;
        }

        void check(int outcomeRows, int endRows) {
            if (outcomeRows != 1 || endRows != 1) {
                throw new IllegalStateException("raw rows: execution " + executionId + " was not Running");
            }
        }
    }
}
