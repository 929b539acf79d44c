package io.cloaca.engine.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloaca.engine.CloacaException;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.context.ContextMerge;
import io.cloaca.engine.workflow.TaskDefinition;
import io.cloaca.engine.workflow.TaskNamespace;
import io.cloaca.engine.workflow.TriggerRule;
import io.cloaca.engine.workflow.Workflow;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Every read and write of execution state, in one schema of one database. SQL is schema-qualified
 * with a validated, quoted identifier; no statement relies on {@code search_path}.
 *
 * <p>Hot path, per task: {@link #claim} (one commit) and {@link #finish} (one commit, which may
 * also claim the next task of a chain for the same worker, saving the dependent's claim commit).
 *
 * <p>A claim is a random token written into the task row together with the claiming process's
 * {@link LivenessLock} owner and a lease; renewing, releasing and completing a claim all require its
 * token. Leases are written and compared on the database's clock ({@link Dialect#nowMillis()}): the
 * server's on PostgreSQL, the host's on SQLite. A test clock given to the store shifts that time by
 * its own offset from the system clock, so that tests can make leases expire without waiting.
 */
public final class ExecutionStore {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ExecutionStore.class);
    static final String TASK_COLUMNS = "id, execution_id, task_name, status, attempt, max_attempts, "
            + "output_context, last_error, error_details, claimed_by, started_at, completed_at, recovery_attempts";
    static final String EXECUTION_COLUMNS = "id, workflow_name, workflow_version, status, initial_context, "
            + "final_context, error_message, started_at, completed_at";

    private final Database database;
    private final String executions;
    private final String tasks;
    private final String attempts;
    private final java.time.Clock clock;
    private final String dbNow;

    /**
     * @param schema PostgreSQL schema holding the tables, or null for the connection's default
     *               (always null on SQLite); must already be validated
     */
    public ExecutionStore(Database database, String schema) {
        this(database, schema, java.time.Clock.systemUTC());
    }

    /** @param clock read once a finishing transaction holds its execution's lock (see {@link #finish}) */
    public ExecutionStore(Database database, String schema, java.time.Clock clock) {
        this.clock = clock;
        this.database = database;
        String prefix = schema == null ? "" : "\"" + schema + "\".";
        this.executions = prefix + "workflow_executions";
        this.tasks = prefix + "task_executions";
        this.dbNow = database.dialect().nowMillis();
        this.attempts = prefix + "task_attempts";
    }

    /** Binds the parameter of {@link #dbNow} at {@code index}; returns the next index. */
    private int bindNow(PreparedStatement ps, int index) throws SQLException {
        long value;
        if (database.dialect().singleWriter()) {
            value = clock.millis();
        } else {
            // The server's clock, shifted by how far the injected clock is from the system's (0 in production).
            value = clock.getClass() == java.time.Clock.systemUTC().getClass() ? 0
                    : clock.millis() - System.currentTimeMillis();
        }
        ps.setLong(index, value);
        return index + 1;
    }

    public Database database() {
        return database;
    }

    /**
     * Writes an execution and all its task rows in one transaction: roots Ready, the rest NotStarted.
     *
     * @param workflowName the name the workflow is registered under, which workers look it up by; it may
     *                     differ from {@code workflow.name()} (register_workflow_constructor("alias", ...))
     * @return ids of the Ready root tasks
     */
    public List<String> createExecution(String executionId, String workflowName, Workflow workflow,
                                        String initialContext, long now) {
        return createExecution(executionId, workflowName, workflow, initialContext, null, 0, now).ready();
    }

    /**
     * A new execution's root tasks: claimed in the creating transaction, or left Ready for any runner.
     *
     * @param finished the execution, when the trigger rules of its roots skipped every task; else null
     */
    public record Created(List<String> ready, List<ClaimedTask> claimed, ExecutionRecord finished) {
    }

    /**
     * As {@link #createExecution(String, String, Workflow, String, long)}, and up to {@code claimLimit}
     * root tasks are written already claimed by {@code claimFor} (may be null): a runner that will run
     * them at once saves the claim's commit.
     */
    public Created createExecution(String executionId, String workflowName, Workflow workflow, String initialContext,
                                   Claimant claimFor, int claimLimit, long now) {
        return database.inExecutionTransaction(executionId, c -> createExecution(c, executionId, workflowName,
                workflow, initialContext, claimFor, claimLimit, now));
    }

    /**
     * The statements of {@link #createExecution(String, String, Workflow, String, Claimant, int, long)}
     * on a connection whose transaction the caller holds, so that another write (a cron instant's claim)
     * commits or rolls back together with the execution.
     */
    public Created createExecution(Connection c, String executionId, String workflowName, Workflow workflow,
                                   String initialContext, Claimant claimFor, int claimLimit, long now)
            throws SQLException {
        {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + executions
                    + " (id, workflow_name, workflow_version, status, initial_context, started_at, updated_at)"
                    + " VALUES (?, ?, ?, 'Running', ?, ?, ?)")) {
                ps.setString(1, executionId);
                ps.setString(2, workflowName);
                ps.setString(3, workflow.version());
                ps.setString(4, initialContext);
                ps.setLong(5, now);
                ps.setLong(6, now);
                ps.executeUpdate();
            }
            List<String> ready = new ArrayList<>();
            List<ClaimedTask> claimed = new ArrayList<>();
            boolean anyRuledRoot = false;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + tasks
                    + " (id, execution_id, task_name, status, attempt, max_attempts, claimed_by, claim_owner, claim_token,"
                    + " lease_expires_at, started_at, updated_at, dependencies) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, " + dbNow
                    + " + ?, ?, ?, ?)")) {
                for (TaskNamespace ns : workflow.topologicalOrder()) {
                    TaskDefinition task = workflow.task(ns);
                    String id = UUID.randomUUID().toString();
                    int maxAttempts = Math.max(1, task.retryPolicy().maxAttempts());
                    // A root under a rule waits NotStarted for propagate() below, which evaluates it.
                    boolean ruled = !(task.triggerRule() instanceof TriggerRule.Always);
                    boolean root = task.dependencies().isEmpty() && !ruled;
                    anyRuledRoot |= ruled && task.dependencies().isEmpty();
                    boolean claim = root && claimFor != null && claimed.size() < claimLimit;
                    TaskStatus status = claim ? TaskStatus.Running : root ? TaskStatus.Ready : TaskStatus.NotStarted;
                    ps.setString(1, id);
                    ps.setString(2, executionId);
                    ps.setString(3, ns.toString());
                    ps.setString(4, status.name());
                    ps.setInt(5, maxAttempts);
                    Claimant.Claim made = claim ? claimFor.newClaim() : null;
                    ps.setString(6, claim ? claimFor.runnerId() : null);
                    ps.setString(7, claim ? claimFor.owner() : null);
                    ps.setString(8, claim ? made.token() : null);
                    int i = bindNow(ps, 9);
                    // NULL + anything is NULL: unclaimed rows get no lease.
                    if (claim) {
                        ps.setLong(i++, claimFor.leaseMillis());
                        ps.setLong(i++, now);
                    } else {
                        ps.setNull(i++, java.sql.Types.BIGINT);
                        ps.setNull(i++, java.sql.Types.BIGINT);
                    }
                    ps.setLong(i++, now);
                    ps.setString(i, dependenciesJson(task));
                    ps.addBatch();
                    if (claim) {
                        claimed.add(new ClaimedTask(id, executionId, workflowName, workflow.version(), ns.toString(),
                                1, maxAttempts, initialContext, made.token()));
                    } else if (root) {
                        ready.add(id);
                    }
                }
                ps.executeBatch();
            }
            if (!anyRuledRoot) {
                return new Created(ready, claimed, null);
            }
            FinishResult started = propagate(c, executionId, workflowName, workflow.version(), initialContext, null,
                    workflow, null, now);
            ready.addAll(started.ready());
            return new Created(ready, claimed, started.finished());
        }
    }

    /** The task's dependencies as a JSON array of namespace strings: the DAG's edges, for readers of the history. */
    private static String dependenciesJson(TaskDefinition task) {
        var array = io.cloaca.engine.context.Context.JSON.createArrayNode();
        task.dependencies().forEach(d -> array.add(d.toString()));
        return array.toString();
    }

    /**
     * Takes a Ready task for {@code claimant}, with a new token.
     *
     * @return the claimed task, or empty when it was not Ready (someone else took it, or it ended)
     */
    public Optional<ClaimedTask> claim(String taskId, Claimant claimant, long now) {
        Claimant.Claim claim = claimant.newClaim();
        return database.inTransaction(c -> {
            if (!markRunning(c, taskId, claim, now, TaskStatus.Ready)) {
                return Optional.empty();
            }
            return Optional.of(loadClaimed(c, taskId, claim.token()));
        });
    }

    private boolean markRunning(Connection c, String taskId, Claimant.Claim claim, long now, TaskStatus expected)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + tasks + " SET status = 'Running', claimed_by = ?,"
                + " claim_owner = ?, claim_token = ?, lease_expires_at = " + dbNow + " + ?, started_at = ?,"
                + " retry_at = NULL, updated_at = ? WHERE id = ? AND status = '" + expected.name() + "'")) {
            ps.setString(1, claim.claimant().runnerId());
            ps.setString(2, claim.claimant().owner());
            ps.setString(3, claim.token());
            int i = bindNow(ps, 4);
            ps.setLong(i++, claim.claimant().leaseMillis());
            ps.setLong(i++, now);
            ps.setLong(i++, now);
            ps.setString(i, taskId);
            return Rows.changedOne(ps.executeUpdate(), "claiming task " + taskId);
        }
    }

    private ClaimedTask loadClaimed(Connection c, String taskId, String token) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT t.execution_id, e.workflow_name, e.workflow_version,"
                + " t.task_name, t.attempt, t.max_attempts, e.initial_context FROM " + tasks + " t JOIN " + executions
                + " e ON e.id = t.execution_id WHERE t.id = ?")) {
            ps.setString(1, taskId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw CloacaException.notFound("Task row " + taskId + " vanished after being claimed");
                }
                return new ClaimedTask(taskId, rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getInt(5), rs.getInt(6), rs.getString(7), token);
            }
        }
    }

    /** Gives a claimed task back (Ready, unowned) so that another runner, or a later one, can take it. */
    public boolean release(ClaimedTask task, long now) {
        return database.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + tasks + " SET status = 'Ready', claimed_by = NULL,"
                    + " claim_owner = NULL, claim_token = NULL, lease_expires_at = NULL, started_at = NULL, updated_at = ?"
                    + " WHERE id = ? AND status = 'Running' AND claim_token = ?")) {
                ps.setLong(1, now);
                ps.setString(2, task.taskId());
                ps.setString(3, task.token());
                return Rows.changedOne(ps.executeUpdate(), "releasing task " + task.taskId());
            }
        });
    }

    /**
     * A task's input: the outputs of those of {@code dependencies} that completed or were skipped, merged
     * in their order. A skipped task's output is the input it would have had, so that a chain through it
     * carries the context on.
     */
    public ObjectNode mergedOutputs(String executionId, List<TaskNamespace> dependencies) {
        return database.read(c -> mergedOutputs(c, executionId, dependencies));
    }

    private ObjectNode mergedOutputs(Connection c, String executionId, List<TaskNamespace> dependencies)
            throws SQLException {
        List<String> names = dependencies.stream().map(TaskNamespace::toString).toList();
        Map<String, String> outputs = names.isEmpty() ? Map.of() : outputs(c, executionId, names);
        List<ObjectNode> ordered = new ArrayList<>();
        for (String name : names) {
            if (outputs.get(name) != null) {
                ordered.add(Context.fromJson(outputs.get(name)).toJsonNode());
            }
        }
        return ContextMerge.merge(ordered);
    }

    private Map<String, String> outputs(Connection c, String executionId, List<String> taskNames) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT task_name, output_context FROM " + tasks
                + " WHERE execution_id = ? AND status IN ('Completed', 'Skipped') AND task_name IN ("
                + Rows.marks(taskNames.size()) + ")")) {
            ps.setString(1, executionId);
            Rows.bind(ps, 2, taskNames);
            Map<String, String> outputs = new HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    outputs.put(rs.getString(1), rs.getString(2));
                }
            }
            return outputs;
        }
    }

    /**
     * Records an attempt's outcome, if {@code task}'s claim (its token) still holds, and in the same
     * transaction readies the dependents whose dependencies are all terminal and ends the execution
     * when every task is terminal.
     *
     * <p>Idempotent across retries: when the transaction is retried after a commit whose acknowledgement
     * was lost, the retry finds the outcome recorded under this claim's token and reports it as
     * recorded, with the dependent that the committed try claimed under {@code next}'s token.
     *
     * @param next a claim (made before the call) for one newly ready dependent, handed to the calling
     *             worker as {@code FinishResult.next}; null to claim none
     */
    public FinishResult finish(ClaimedTask task, TaskOutcome outcome, Workflow workflow, Claimant.Claim next,
                               long now) {
        boolean[] tried = {false};
        return database.inExecutionTransaction(task.executionId(), c -> {
            boolean retried = tried[0];
            tried[0] = true;
            return finish(c, task, outcome, workflow, next, now, retried);
        });
    }

    /** One try of {@link #finish}; {@code retried} when an earlier try of the same call may have committed. */
    FinishResult finish(Connection c, ClaimedTask task, TaskOutcome outcome, Workflow workflow, Claimant.Claim next,
                        long now, boolean retried) throws SQLException {
        lockExecution(c, task.executionId());
        // Completion times follow commit order: two tasks of one execution finishing at once queue on
        // the lock, and the one that ends the execution must not carry the earlier time.
        long at = Math.max(now, clock.millis());
        if (!recordOutcome(c, task, outcome, at)) {
            return retried ? alreadyRecorded(c, task, next) : FinishResult.LOST;
        }
        if (outcome instanceof TaskOutcome.Retry) {
            return new FinishResult(true, List.of(), null, null);
        }
        String output = outcome instanceof TaskOutcome.Succeeded s ? s.outputContext() : null;
        return propagate(c, task.executionId(), task.workflowName(), task.workflowVersion(), task.initialContext(),
                output, workflow, next, at);
    }

    /**
     * In a retried {@link #finish}: whether an earlier try committed the outcome after all (the row is no
     * longer Running but still carries this claim's token) and, if so, what it did that the caller must
     * act on: the dependent it claimed, the end of the execution. Dependents it made Ready are found by
     * the runners' polls.
     */
    private FinishResult alreadyRecorded(Connection c, ClaimedTask task, Claimant.Claim next) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT status, claim_token FROM " + tasks + " WHERE id = ?")) {
            ps.setString(1, task.taskId());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || "Running".equals(rs.getString(1)) || !task.token().equals(rs.getString(2))) {
                    return FinishResult.LOST;
                }
            }
        }
        LOG.warn("Execution {}: the outcome of task {} was committed by an earlier try whose acknowledgement was lost",
                task.executionId(), task.taskName());
        ClaimedTask claimed = null;
        if (next != null) {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, task_name, attempt, max_attempts FROM " + tasks
                    + " WHERE execution_id = ? AND claim_token = ? AND status = 'Running'")) {
                ps.setString(1, task.executionId());
                ps.setString(2, next.token());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        claimed = new ClaimedTask(rs.getString(1), task.executionId(), task.workflowName(),
                                task.workflowVersion(), rs.getString(2), rs.getInt(3), rs.getInt(4),
                                task.initialContext(), next.token());
                    }
                }
            }
        }
        ExecutionRecord ended = loadExecution(c, task.executionId()).filter(e -> e.status().isTerminal()).orElse(null);
        return new FinishResult(true, List.of(), claimed, ended);
    }

    /**
     * Readies the dependents whose dependencies are all terminal and ends the execution when every task
     * is terminal.
     *
     * @param finishedOutput output of the task that just completed (the last to complete), or null if it failed
     * @param next           claim for one ready dependent, or null
     */
    private FinishResult propagate(Connection c, String executionId, String workflowName, String workflowVersion,
                                   String initialContext, String finishedOutput, Workflow workflow, Claimant.Claim next,
                                   long now) throws SQLException {
        Map<String, TaskRow> rows = taskRows(c, executionId);
        List<String> ready = new ArrayList<>();
        ClaimedTask claimed = null;
        for (TaskNamespace ns : workflow.topologicalOrder()) {
            TaskRow row = rows.get(ns.toString());
            if (row == null || row.status != TaskStatus.NotStarted) {
                continue;
            }
            boolean depsDone = workflow.task(ns).dependencies().stream()
                    .map(d -> rows.get(d.toString()))
                    .allMatch(d -> d == null || (d.status != null && d.status.isTerminal()));
            if (!depsDone) {
                continue;
            }
            if (skipped(c, executionId, initialContext, workflow.task(ns), row, rows, now)) {
                continue;
            }
            // The first dependent goes straight from NotStarted to Running for the finishing worker; a
            // task that never ran is on attempt 1, so its claim needs no read-back.
            if (claimed == null && next != null && markRunning(c, row.id, next, now, TaskStatus.NotStarted)) {
                row.status = TaskStatus.Running;
                claimed = new ClaimedTask(row.id, executionId, workflowName, workflowVersion, ns.toString(), 1,
                        Math.max(1, workflow.task(ns).retryPolicy().maxAttempts()),
                        initialContext != null ? initialContext : initialContext(c, executionId), next.token());
                continue;
            }
            ready.add(row.id);
            row.status = TaskStatus.Ready;
        }
        markReady(c, ready, now);
        boolean allTerminal = rows.values().stream().allMatch(r -> r.status != null && r.status.isTerminal());
        ExecutionRecord finished = null;
        if (allTerminal) {
            finished = finishExecution(c, executionId, finishedOutput, rows, now);
        }
        return new FinishResult(true, ready, claimed, finished);
    }

    /**
     * Evaluates the task's trigger rule, from the statuses already read and (only for a rule that needs it)
     * its input context, and marks it Skipped when the rule is false, with the rule's false part as its
     * error and its input as its output.
     */
    private boolean skipped(Connection c, String executionId, String initialContext, TaskDefinition task, TaskRow row,
                            Map<String, TaskRow> rows, long now) throws SQLException {
        TriggerRule rule = task.triggerRule();
        if (rule instanceof TriggerRule.Always) {
            return false;
        }
        ObjectNode input = rule.needsContext() ? input(c, executionId, initialContext, task) : null;
        TriggerRule.Facts facts = new TriggerRule.Facts(name -> {
            TaskRow r = rows.get(name);
            return r == null || r.status == null ? null : r.status.name();
        }, input);
        if (rule.evaluate(facts)) {
            return false;
        }
        if (input == null) {
            input = input(c, executionId, initialContext, task);
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + tasks + " SET status = 'Skipped', output_context = ?,"
                + " last_error = ?, completed_at = ?, updated_at = ? WHERE id = ? AND status = 'NotStarted'")) {
            ps.setString(1, input.toString());
            ps.setString(2, "skipped: " + rule.whyFalse(facts));
            ps.setLong(3, now);
            ps.setLong(4, now);
            ps.setString(5, row.id);
            Rows.changedOne(ps.executeUpdate(), "skipping task " + row.id);
        }
        row.status = TaskStatus.Skipped;
        return true;
    }

    /** A task's input as the worker would build it: the initial context for a root, else its dependencies' outputs merged. */
    private ObjectNode input(Connection c, String executionId, String initialContext, TaskDefinition task)
            throws SQLException {
        if (task.dependencies().isEmpty()) {
            return Context.fromJson(initialContext != null ? initialContext : initialContext(c, executionId)).toJsonNode();
        }
        return mergedOutputs(c, executionId, task.dependencies());
    }

    private void lockExecution(Connection c, String executionId) throws SQLException {
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

    /** Writes the outcome if the claim still holds; the token stays in the row (see {@link #alreadyRecorded}). */
    private boolean recordOutcome(Connection c, ClaimedTask task, TaskOutcome outcome, long now) throws SQLException {
        String owned = ", claimed_by = NULL, claim_owner = NULL, lease_expires_at = NULL"
                + " WHERE id = ? AND status = 'Running' AND claim_token = ?";
        PreparedStatement ps;
        int i = 1;
        Long retriedStart = outcome instanceof TaskOutcome.Retry ? startedAt(c, task.taskId()) : null;
        if (outcome instanceof TaskOutcome.Succeeded s) {
            ps = c.prepareStatement("UPDATE " + tasks + " SET status = 'Completed', output_context = ?, completed_at = ?,"
                    + " updated_at = ?" + owned);
            ps.setString(i++, s.outputContext());
            ps.setLong(i++, now);
            ps.setLong(i++, now);
        } else if (outcome instanceof TaskOutcome.Retry r) {
            ps = c.prepareStatement("UPDATE " + tasks + " SET status = 'Ready', attempt = attempt + 1, retry_at = ?,"
                    + " last_error = ?, error_details = ?, started_at = NULL, updated_at = ?" + owned);
            ps.setLong(i++, r.retryAt());
            ps.setString(i++, r.error());
            ps.setString(i++, r.details());
            ps.setLong(i++, now);
        } else {
            TaskOutcome.Failed f = (TaskOutcome.Failed) outcome;
            ps = c.prepareStatement("UPDATE " + tasks + " SET status = 'Failed', last_error = ?, error_details = ?,"
                    + " completed_at = ?, updated_at = ?" + owned);
            ps.setString(i++, f.error());
            ps.setString(i++, f.details());
            ps.setLong(i++, now);
            ps.setLong(i++, now);
        }
        try (ps) {
            ps.setString(i++, task.taskId());
            ps.setString(i, task.token());
            boolean recorded = Rows.changedOne(ps.executeUpdate(), "recording the outcome of task " + task.taskId());
            if (recorded && outcome instanceof TaskOutcome.Retry r) {
                recordRetriedAttempt(c, task, retriedStart, r.error(), now);
            }
            return recorded;
        }
    }

    private Long startedAt(Connection c, String taskId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT started_at FROM " + tasks + " WHERE id = ?")) {
            ps.setString(1, taskId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? longOrNull(rs, 1) : null;
            }
        }
    }

    /**
     * Keeps the attempt that a retry replaces (the row itself moves on to the next attempt) for the
     * history's timeline. Only retries pay for this; a first-time success writes nothing extra.
     */
    private void recordRetriedAttempt(Connection c, ClaimedTask task, Long startedAt, String error, long now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + attempts
                + " (task_id, execution_id, attempt, started_at, ended_at, error) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, task.taskId());
            ps.setString(2, task.executionId());
            ps.setInt(3, task.attempt());
            if (startedAt == null) {
                ps.setNull(4, java.sql.Types.BIGINT);
            } else {
                ps.setLong(4, startedAt);
            }
            ps.setLong(5, now);
            ps.setString(6, error);
            ps.executeUpdate();
        }
    }

    private void markReady(Connection c, List<String> ids, long now) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + tasks
                + " SET status = 'Ready', updated_at = ? WHERE id = ? AND status = 'NotStarted'")) {
            for (String id : ids) {
                ps.setLong(1, now);
                ps.setString(2, id);
                ps.addBatch();
            }
            int[] counts = ps.executeBatch();
            for (int i = 0; i < counts.length; i++) {
                // 0 cannot happen under the execution's lock; SUCCESS_NO_INFO (-2) is a driver's "done".
                if (counts[i] != java.sql.Statement.SUCCESS_NO_INFO) {
                    Rows.changedOne(counts[i], "readying task " + ids.get(i));
                }
            }
        }
    }

    private ExecutionRecord finishExecution(Connection c, String executionId, String finishedOutput,
                                            Map<String, TaskRow> rows, long now) throws SQLException {
        long failed = rows.values().stream().filter(r -> r.status == TaskStatus.Failed).count();
        long completed = rows.values().stream().filter(r -> r.status == TaskStatus.Completed).count();
        long skipped = rows.values().stream().filter(r -> r.status == TaskStatus.Skipped).count();
        ExecutionStatus status = failed > 0 ? ExecutionStatus.Failed : ExecutionStatus.Completed;
        String error = failed > 0 ? failed + " task(s) failed, " + completed + " completed, " + skipped + " skipped" : null;
        // The task finishing now is the last to complete; if it failed, the latest earlier completion wins.
        String finalContext = finishedOutput != null ? finishedOutput
                : latestCompletedOutput(c, executionId).orElseGet(() -> initialContext(c, executionId));
        // RETURNING (PostgreSQL, SQLite 3.35+) saves reading the ended row back: one statement fewer per execution.
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + executions + " SET status = ?, final_context = ?,"
                + " error_message = ?, completed_at = ?, updated_at = ? WHERE id = ? AND status IN ('Pending', 'Running')"
                + " RETURNING " + EXECUTION_COLUMNS)) {
            ps.setString(1, status.name());
            ps.setString(2, finalContext);
            ps.setString(3, error);
            ps.setLong(4, now);
            ps.setLong(5, now);
            ps.setString(6, executionId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return executionRecord(rs);
                }
            }
        }
        return loadExecution(c, executionId).orElseThrow(); // it had ended already
    }

    private String initialContext(Connection c, String executionId) {
        try (PreparedStatement ps = c.prepareStatement("SELECT initial_context FROM " + executions + " WHERE id = ?")) {
            ps.setString(1, executionId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "{}";
            }
        } catch (SQLException e) {
            throw CloacaException.storage("Database error: " + e.getMessage(), e);
        }
    }

    private Optional<String> latestCompletedOutput(Connection c, String executionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT output_context FROM " + tasks
                + " WHERE execution_id = ? AND status = 'Completed' ORDER BY completed_at DESC, task_name DESC LIMIT 1")) {
            ps.setString(1, executionId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        }
    }

    private Map<String, TaskRow> taskRows(Connection c, String executionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id, task_name, status FROM " + tasks
                + " WHERE execution_id = ?")) {
            ps.setString(1, executionId);
            Map<String, TaskRow> rows = new LinkedHashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.put(rs.getString(2), new TaskRow(rs.getString(1), TaskStatus.parse(rs.getString(3))));
                }
            }
            return rows;
        }
    }

    /** Mutable while {@link #finish} decides what becomes ready; a null status is one this engine does not know. */
    private static final class TaskRow {
        final String id;
        TaskStatus status;

        TaskRow(String id, TaskStatus status) {
            this.id = id;
            this.status = status;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Work this process did not create: other runners' executions, recovered tasks, due retries
    // ---------------------------------------------------------------------------------------------

    /** Ready, due tasks of the named workflows, oldest first. */
    public List<String> findReadyTasks(Collection<String> workflowNames, long now, int limit) {
        if (workflowNames.isEmpty() || limit < 1) {
            return List.of();
        }
        return database.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT t.id FROM " + tasks + " t JOIN " + executions
                    + " e ON e.id = t.execution_id WHERE t.status = 'Ready' AND (t.retry_at IS NULL OR t.retry_at <= ?)"
                    + " AND e.workflow_name IN (" + Rows.marks(workflowNames.size()) + ") ORDER BY t.updated_at LIMIT ?")) {
                ps.setLong(1, now);
                ps.setInt(Rows.bind(ps, 2, workflowNames), limit);
                return Rows.list(ps, rs -> rs.getString(1));
            }
        });
    }

    /**
     * Extends the leases of the given claims (those the caller holds in memory), each only if its token
     * still holds; returns how many were extended. A claim the caller lost track of is never renewed:
     * it expires with its lease.
     */
    public int renewLeases(Collection<ClaimedTask> claims, long leaseMillis) {
        if (claims.isEmpty()) {
            return 0;
        }
        return database.inTransaction(c -> {
            int renewed = 0;
            for (List<ClaimedTask> chunk : Rows.chunks(List.copyOf(claims))) {
                // A token is unique to one claim of one row, so matching both lists pins each row to its claim;
                // the id list lets the primary key find the rows.
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + tasks + " SET lease_expires_at = " + dbNow
                        + " + ? WHERE status = 'Running' AND id IN (" + Rows.marks(chunk.size()) + ") AND claim_token IN ("
                        + Rows.marks(chunk.size()) + ")")) {
                    int i = bindNow(ps, 1);
                    ps.setLong(i++, leaseMillis);
                    i = Rows.bind(ps, i, chunk.stream().map(ClaimedTask::taskId).toList());
                    Rows.bind(ps, i, chunk.stream().map(ClaimedTask::token).toList());
                    int n = ps.executeUpdate();
                    if (n > chunk.size()) {
                        LOG.error("BUG: renewing {} claims changed {} rows; please report this", chunk.size(), n);
                    }
                    renewed += n;
                }
            }
            return renewed;
        });
    }

    /**
     * A Running task the sweep must judge: its lease expired, or it was claimed by another process
     * (another liveness owner), which may be gone.
     *
     * @param previousOwner the runner that claimed it
     * @param owner         the liveness owner of that runner's process, null for claims older than owners
     * @param leaseExpired  whether its lease had expired on the database's clock when it was read
     */
    public record OrphanedTask(String taskId, String executionId, String workflowName, String taskName,
                               String previousOwner, String owner, String token, int recoveries, boolean leaseExpired) {
    }

    /**
     * Running tasks of the named workflows whose lease has expired or whose claim belongs to a liveness
     * owner other than {@code self}; the caller decides which owners are gone.
     */
    public List<OrphanedTask> findSuspectClaims(Collection<String> workflowNames, String self) {
        if (workflowNames.isEmpty()) {
            return List.of();
        }
        return database.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT t.id, t.execution_id, e.workflow_name, t.task_name,"
                    + " t.claimed_by, t.claim_owner, t.claim_token, t.recovery_attempts, CASE WHEN t.lease_expires_at < "
                    + dbNow + " THEN 1 ELSE 0 END FROM " + tasks + " t JOIN " + executions + " e ON e.id = t.execution_id"
                    + " WHERE t.status = 'Running' AND (t.lease_expires_at < " + dbNow
                    + " OR (t.claim_owner IS NOT NULL AND t.claim_owner <> ?))"
                    + " AND e.workflow_name IN (" + Rows.marks(workflowNames.size()) + ")")) {
                int i = bindNow(ps, 1);
                i = bindNow(ps, i);
                ps.setString(i++, self);
                Rows.bind(ps, i, workflowNames);
                return Rows.list(ps, rs -> new OrphanedTask(rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getInt(8),
                        rs.getInt(9) == 1));
            }
        });
    }

    /**
     * The condition under which an orphan may be taken: the same claim (token; claims older than tokens
     * have none), still Running, and either its owner's process is gone or its lease has expired.
     */
    private String orphanCondition(boolean ownerGone) {
        return " WHERE id = ? AND status = 'Running' AND COALESCE(claim_token, '') = ?"
                + (ownerGone ? "" : " AND lease_expires_at < " + dbNow);
    }

    private int bindOrphan(PreparedStatement ps, int index, OrphanedTask orphan, boolean ownerGone)
            throws SQLException {
        int i = index;
        ps.setString(i++, orphan.taskId());
        ps.setString(i++, orphan.token() == null ? "" : orphan.token());
        return ownerGone ? i : bindNow(ps, i);
    }

    /**
     * Makes an orphaned task Ready again, counting the recovery; a no-op (false) if its claim was
     * renewed, recorded or recovered by someone else meanwhile.
     *
     * @param ownerGone the claim's liveness owner is gone, so its lease need not have expired
     */
    public boolean recover(OrphanedTask orphan, boolean ownerGone, long now) {
        return database.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + tasks + " SET status = 'Ready', claimed_by = NULL,"
                    + " claim_owner = NULL, claim_token = NULL, lease_expires_at = NULL, started_at = NULL,"
                    + " recovery_attempts = recovery_attempts + 1, updated_at = ?" + orphanCondition(ownerGone)
                    + " AND recovery_attempts = ?")) {
                ps.setLong(1, now);
                int i = bindOrphan(ps, 2, orphan, ownerGone);
                ps.setInt(i, orphan.recoveries());
                return Rows.changedOne(ps.executeUpdate(), "recovering task " + orphan.taskId());
            }
        });
    }

    /**
     * Fails an orphaned task for good (it was recovered too often) with {@code reason}, then readies its
     * dependents and ends the execution if nothing is left, as a normal failure would.
     */
    public FinishResult abandon(OrphanedTask orphan, boolean ownerGone, String reason, Workflow workflow, long now) {
        return database.inExecutionTransaction(orphan.executionId(), c -> {
            lockExecution(c, orphan.executionId());
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + tasks + " SET status = 'Failed', last_error = ?,"
                    + " error_details = ?, completed_at = ?, claimed_by = NULL, claim_owner = NULL,"
                    + " lease_expires_at = NULL, updated_at = ?" + orphanCondition(ownerGone))) {
                ps.setString(1, reason);
                ps.setString(2, reason);
                ps.setLong(3, now);
                ps.setLong(4, now);
                bindOrphan(ps, 5, orphan, ownerGone);
                if (!Rows.changedOne(ps.executeUpdate(), "abandoning task " + orphan.taskId())) {
                    return FinishResult.LOST;
                }
            }
            return propagate(c, orphan.executionId(), orphan.workflowName(), null, null, null, workflow, null, now);
        });
    }

    /**
     * Ends an execution as Failed with {@code error}, from a task this runner claimed in it: that task
     * and every task not yet started fail with the error, so nothing is left waiting. Tasks other
     * runners are running finish as usual, without ending the execution again. Used when the execution
     * cannot go on here at all (its workflow version is not the one registered).
     *
     * @return LOST if the claim no longer held, otherwise the ended execution as {@code finished}
     */
    public FinishResult failExecution(ClaimedTask task, String error, long now) {
        return database.inExecutionTransaction(task.executionId(), c -> {
            lockExecution(c, task.executionId());
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + tasks + " SET status = 'Failed', last_error = ?,"
                    + " completed_at = ?, claimed_by = NULL, claim_owner = NULL, lease_expires_at = NULL, updated_at = ?"
                    + " WHERE id = ? AND status = 'Running' AND claim_token = ?")) {
                ps.setString(1, error);
                ps.setLong(2, now);
                ps.setLong(3, now);
                ps.setString(4, task.taskId());
                ps.setString(5, task.token());
                if (!Rows.changedOne(ps.executeUpdate(), "failing task " + task.taskId())) {
                    return FinishResult.LOST;
                }
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + tasks + " SET status = 'Failed', last_error = ?,"
                    + " completed_at = ?, updated_at = ? WHERE execution_id = ? AND status IN ('NotStarted', 'Ready')")) {
                ps.setString(1, error);
                ps.setLong(2, now);
                ps.setLong(3, now);
                ps.setString(4, task.executionId());
                ps.executeUpdate();
            }
            String finalContext = latestCompletedOutput(c, task.executionId())
                    .orElseGet(() -> initialContext(c, task.executionId()));
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + executions + " SET status = 'Failed',"
                    + " final_context = ?, error_message = ?, completed_at = ?, updated_at = ? WHERE id = ?"
                    + " AND status IN ('Pending', 'Running')")) {
                ps.setString(1, finalContext);
                ps.setString(2, error);
                ps.setLong(3, now);
                ps.setLong(4, now);
                ps.setString(5, task.executionId());
                Rows.changedOne(ps.executeUpdate(), "failing execution " + task.executionId());
            }
            return new FinishResult(true, List.of(), null, loadExecution(c, task.executionId()).orElseThrow());
        });
    }

    /** Those of {@code executionIds} that have ended. */
    public List<ExecutionRecord> findFinished(Collection<String> executionIds) {
        if (executionIds.isEmpty()) {
            return List.of();
        }
        return database.read(c -> {
            List<ExecutionRecord> finished = new ArrayList<>();
            for (List<String> chunk : Rows.chunks(List.copyOf(executionIds))) {
                try (PreparedStatement ps = c.prepareStatement("SELECT " + EXECUTION_COLUMNS + " FROM " + executions
                        + " WHERE status IN ('Completed', 'Failed', 'Cancelled') AND id IN (" + Rows.marks(chunk.size())
                        + ")")) {
                    Rows.bind(ps, 1, chunk);
                    finished.addAll(Rows.list(ps, ExecutionStore::executionRecord));
                }
            }
            return finished;
        });
    }

    public Optional<ExecutionRecord> findExecution(String executionId) {
        return database.read(c -> loadExecution(c, executionId));
    }

    private Optional<ExecutionRecord> loadExecution(Connection c, String executionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + EXECUTION_COLUMNS + " FROM " + executions
                + " WHERE id = ?")) {
            ps.setString(1, executionId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(executionRecord(rs)) : Optional.empty();
            }
        }
    }

    /** The most recent executions first, optionally of one workflow. */
    public List<ExecutionRecord> listExecutions(String workflowName, int limit) {
        return database.read(c -> {
            String where = workflowName == null ? "" : " WHERE workflow_name = ?";
            try (PreparedStatement ps = c.prepareStatement("SELECT " + EXECUTION_COLUMNS + " FROM " + executions + where
                    + " ORDER BY started_at DESC, id LIMIT ?")) {
                int i = 1;
                if (workflowName != null) {
                    ps.setString(i++, workflowName);
                }
                ps.setInt(i, limit);
                return Rows.list(ps, ExecutionStore::executionRecord);
            }
        });
    }

    /** Task rows of one execution, in the order they were written (topological). */
    public List<TaskRecord> listTasks(String executionId) {
        return database.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + TASK_COLUMNS + " FROM " + tasks
                    + " WHERE execution_id = ? ORDER BY COALESCE(started_at, 0), task_name")) {
                ps.setString(1, executionId);
                return Rows.list(ps, ExecutionStore::taskRecord);
            }
        });
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
                ExecutionStatus.valueOf(rs.getString(4)), rs.getString(5), rs.getString(6), rs.getString(7),
                rs.getLong(8), longOrNull(rs, 9));
    }

    static Long longOrNull(ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

}
