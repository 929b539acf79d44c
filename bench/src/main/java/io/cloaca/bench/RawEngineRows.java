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
            Statements statements = new Statements(c.prepareStatement(createExecution),
                    c.prepareStatement(createTask), c.prepareStatement(completeTask),
                    c.prepareStatement(completeExecution));
            return i -> runWorkflow(c, lock, statements);
        });
    }

    /** One worker's prepared statements, in the order a workflow uses them. */
    private record Statements(PreparedStatement createExecution, PreparedStatement createTask,
                              PreparedStatement completeTask, PreparedStatement completeExecution) {
    }

    private static void runWorkflow(Connection c, ReentrantLock lock, Statements statements)
            throws SQLException {
        String executionId = RowIds.next();
        String taskId = RowIds.next();
        String token = RowIds.next();
        long now = System.currentTimeMillis();
        RawWorkers.transaction(c, lock, null, () -> {
            PreparedStatement execution = statements.createExecution();
            execution.setString(1, executionId);
            execution.setString(2, "{}");
            execution.setLong(3, now);
            execution.setLong(4, now);
            execution.executeUpdate();
            PreparedStatement task = statements.createTask();
            task.setString(1, taskId);
            task.setString(2, executionId);
            task.setString(3, token);
            task.setLong(4, now + 60_000);
            task.setLong(5, now);
            task.setLong(6, now);
            task.executeUpdate();
        });
        RawWorkers.transaction(c, lock, null, () -> {
            PreparedStatement task = statements.completeTask();
            task.setString(1, "{}");
            task.setLong(2, now);
            task.setLong(3, now);
            task.setString(4, taskId);
            task.setString(5, token);
            PreparedStatement execution = statements.completeExecution();
            execution.setString(1, "{}");
            execution.setLong(2, now);
            execution.setLong(3, now);
            execution.setString(4, executionId);
            if (task.executeUpdate() != 1 || execution.executeUpdate() != 1) {
                throw new IllegalStateException("raw rows: execution " + executionId + " was not Running");
            }
        });
    }
}
