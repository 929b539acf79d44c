package io.cloaca.engine.store;

import io.cloaca.engine.workflow.TaskDefinition;
import io.cloaca.engine.workflow.TaskNamespace;
import io.cloaca.engine.workflow.Workflow;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Records what a claimed task's attempt came to, conditional on its claim's token, and carries the
 * execution forward in the same transaction (see {@link Propagation}); or fails a whole execution
 * from one of its claimed tasks.
 */
final class TaskCompletion {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TaskCompletion.class);
    private static final StatusMove COMPLETE = StatusMove.task(TaskStatus.Completed, TaskStatus.Running);
    private static final StatusMove RETRY = StatusMove.task(TaskStatus.Ready, TaskStatus.Running);
    private static final StatusMove FAIL = StatusMove.task(TaskStatus.Failed, TaskStatus.Running);
    /**
     * Every other unfinished task of an execution failed as a whole. Running ones too: left Running in an
     * ended execution, a dead process's claim would never be swept (the sweep looks at Running executions)
     * and a sweep that read it before the end would make it Ready again; a live claimant's outcome is then
     * dropped as under a lost claim.
     */
    private static final StatusMove FAIL_UNFINISHED = StatusMove.task(TaskStatus.Failed, TaskStatus.NotStarted,
            TaskStatus.Ready, TaskStatus.Running);

    private final StoreTables tables;
    private final TaskClaims claims;
    private final Propagation propagation;

    TaskCompletion(StoreTables tables, TaskClaims claims, Propagation propagation) {
        this.tables = tables;
        this.claims = claims;
        this.propagation = propagation;
    }

    /**
     * Whether a finish of {@code taskName} can take a queued task (see {@link ExecutionStore#finish}): a
     * task that nothing depends on, whose outcome readies nothing the worker could claim instead.
     */
    static boolean takesQueuedWork(Workflow workflow, String taskName) {
        return takesQueuedWork(workflow, TaskNamespace.parse(taskName));
    }

    private static boolean takesQueuedWork(Workflow workflow, TaskNamespace task) {
        return workflow.hasTask(task) && workflow.dependents(task).isEmpty();
    }

    /** See {@link ExecutionStore#finish}. */
    FinishResult finish(ClaimedTask task, TaskOutcome outcome, Workflow workflow, Claimant.Claim next, String queued,
                        long now) {
        boolean[] tried = {false};
        Tried first = tables.database.inExecutionTransaction(task.executionId(), (c, whole) -> {
            boolean retried = tried[0];
            tried[0] = true;
            return finish(c, task, outcome, workflow, next, queued, now, retried, whole);
        });
        if (!first.carryOn()) {
            return first.result();
        }
        // The outcome was committed in its own round trip, but the rows it read ask for more than that round
        // trip could write (a completion time to move): do the rest under the lock again, from the rows as
        // they are then.
        FinishResult rest = tables.database.inExecutionTransaction(task.executionId(), c -> {
            tables.lockExecution(c, task.executionId());
            Map<String, ExecutionProgress.Row> rows = tables.progressRows(c, task.executionId());
            ExecutionRecord[] ended = {first.result().finished()};
            long at = restampIfBehind(c, task, rows, first.at(), ended);
            return propagation.propagate(c, execution(task), workflow, rows, task.taskName(),
                    ((TaskOutcome.Succeeded) outcome).outputContext(), first.result().next() == null ? next : null,
                    at, ended[0], null);
        });
        return new FinishResult(true, rest.ready(), first.result().next() != null ? first.result().next() : rest.next(),
                rest.finished());
    }

    /**
     * What one try of a finish came to.
     *
     * @param carryOn the outcome was committed with its round trip, but more must be written (see {@link #finish})
     * @param at      the completion time written
     */
    private record Tried(FinishResult result, boolean carryOn, long at) {
        static Tried done(FinishResult result) {
            return new Tried(result, false, 0);
        }
    }

    /** One try of {@link #finish} in the caller's transaction; {@code retried} when an earlier try may have committed. */
    FinishResult finish(Connection c, ClaimedTask task, TaskOutcome outcome, Workflow workflow,
                        Claimant.Claim next, String queued, long now, boolean retried) throws SQLException {
        return finish(c, task, outcome, workflow, next, queued, now, retried, false).result();
    }

    /**
     * One try of {@link #finish}.
     *
     * @param whole the transaction holds nothing else: a success whose step is fully written by the round
     *              trip that records it (the task of a one-task workflow, a task whose only dependent it
     *              claims) sends the COMMIT in that round trip
     */
    private Tried finish(Connection c, ClaimedTask task, TaskOutcome outcome, Workflow workflow,
                         Claimant.Claim next, String queued, long now, boolean retried, boolean whole)
            throws SQLException {
        if (outcome instanceof TaskOutcome.Retry retry) {
            tables.lockExecution(c, task.executionId());
            long at = Math.max(now, tables.clock().millis());
            if (!recordRetry(c, task, retry, at)) {
                return Tried.done(retried ? alreadyRecorded(c, task, outcome, next, null) : FinishResult.LOST);
            }
            return Tried.done(new FinishResult(true, List.of(), null, null));
        }
        long at = Math.max(now, tables.clock().millis());
        boolean[] recorded = {false};
        String output = outcome instanceof TaskOutcome.Succeeded s ? s.outputContext() : null;
        // The success of a task nothing depends on may end the execution: end it in the same round trip if
        // every task has then succeeded or been skipped (Propagation checks that its decision agrees).
        ExecutionRecord[] ended = {null};
        // Likewise a successor that waits for this task alone is claimed for this worker in that round trip.
        String[] successorId = {null};
        TaskNamespace ns = TaskNamespace.parse(task.taskName());
        // Null for a task the registered workflow does not have: then it neither hands on nor ends anything here.
        List<TaskNamespace> dependents = workflow.hasTask(ns) ? workflow.dependents(ns) : null;
        TaskNamespace successor = output != null && next != null && dependents != null
                ? soleSuccessor(workflow, dependents) : null;
        boolean leaf = output != null && successor == null && dependents != null && dependents.isEmpty();
        List<Pipeline.Step> after = new ArrayList<>();
        if (successor != null) {
            after.add(propagation.claimSoleSuccessor(task.executionId(), successor.toString(), task.taskId(),
                    task.token(), next, at, successorId));
        } else if (leaf) {
            after.add(propagation.endIfAllSucceeded(task.executionId(), output, at, ended));
        }
        // A task nothing depends on readies nothing for this worker: it may take a queued task instead, in
        // this transaction, saving that claim's own (see ExecutionStore#finish).
        ClaimedTask[] queuedClaim = {null};
        String takes = queued != null && next != null && takesQueuedWork(workflow, ns) ? queued : null;
        if (takes != null) {
            after.addAll(claims.claimAfterFinish(takes, next, at, task.taskId(), task.token(), queuedClaim));
        }
        // When that round trip is all the step writes, it goes without the execution's lock and with the COMMIT
        // on PostgreSQL (see unlockedStep): the task of a one-task workflow (which it ends), or a task whose one
        // dependent is the successor it claims (nothing else can become ready). Not the last task of a longer
        // workflow: an earlier failure would call for a Failed end, a second transaction, and a crash between
        // the two would leave the execution Running with every task ended.
        boolean commit = whole && !tables.database.dialect().singleWriter()
                && ((leaf && workflow.tasks().size() == 1)
                        || (successor != null && dependents.size() == 1));
        if (commit) {
            return unlockedStep(c, task, outcome, workflow, next, successor, at, recorded, after, successorId,
                    ended, queuedClaim, takes, retried);
        }
        // Lock the execution, record the outcome and read the execution's task rows: one round trip on
        // PostgreSQL. Under the lock no other finish of the execution can move a row to or from a terminal
        // status before this one commits.
        Map<String, ExecutionProgress.Row> rows = tables.lockWriteAndReadProgress(c, task.executionId(),
                outcomeStep(task, outcome, at, recorded, false), after);
        if (!recorded[0]) {
            // The end's and the claim's conditions need this task's row Completed under this claim's token,
            // so a lost claim ended and claimed nothing.
            return Tried.done(retried ? alreadyRecorded(c, task, outcome, next, takes) : FinishResult.LOST);
        }
        ClaimedTask handed = queuedClaim[0];
        if (successorId[0] != null) {
            // Read before the claim: the successor's row as this transaction left it.
            rows.put(successor.toString(), new ExecutionProgress.Row(successorId[0], TaskStatus.Running, null));
            handed = handedSuccessor(c, task, workflow, next, successor, successorId[0]);
        }
        long stamped = restampIfBehind(c, task, rows, at, ended);
        return Tried.done(propagation.propagate(c, execution(task), workflow, rows,
                output == null ? null : task.taskName(), output, next, stamped, ended[0], handed));
    }

    /**
     * A step on PostgreSQL that its one round trip writes in full, alone in its transaction: records the
     * outcome and either claims the successor that waits for this task alone (a chain's step) or ends the
     * execution whose only task this is, and commits, without the execution's lock or the read of its task
     * rows. Neither is needed: the successor's row is written by this success and by nothing else, and the
     * execution cannot end while the successor is left (its own finish takes the lock); the end's condition
     * (every task Completed or Skipped, the execution Running) is checked by the statement that writes it. A
     * chain's step writes its two rows in the order every other writer of them keeps (the finished task, then
     * the row it readies), so no lock waits on another in a cycle. A one-task workflow's step writes the task
     * row before the execution's, the opposite of an abandon (which locks the execution first): the two meet
     * only when a claim is abandoned as its owner finishes it, and the server then breaks the deadlock after
     * a second and the loser is retried. Completion times still follow commit order along a chain (the task is
     * stamped no earlier than its start, its predecessor's completion), but not against a task of another
     * branch that committed first with a later time; the successor's time is, when it finishes. If the
     * successor could not be claimed or the execution not ended (it failed or ended meanwhile), the rest is
     * done under the lock in a second transaction (see {@link #finish}).
     */
    private Tried unlockedStep(Connection c, ClaimedTask task, TaskOutcome outcome, Workflow workflow,
                               Claimant.Claim next, TaskNamespace successor, long at, boolean[] recorded,
                               List<Pipeline.Step> after, String[] successorId, ExecutionRecord[] ended,
                               ClaimedTask[] queuedClaim, String takes, boolean retried) throws SQLException {
        List<Pipeline.Step> steps = new ArrayList<>();
        // A chain's successor was stamped with its predecessor's time when claimed; the task that ends an
        // execution carries the end's time.
        steps.add(outcomeStep(task, outcome, at, recorded, successor != null));
        steps.addAll(after);
        Pipeline.runThenCommit(c, tables.database.dialect(), steps.toArray(Pipeline.Step[]::new));
        if (!recorded[0]) {
            return Tried.done(retried ? alreadyRecorded(c, task, outcome, next, takes) : FinishResult.LOST);
        }
        // Written in full when it claimed the successor (a chain's step) or ended the execution (its only task).
        boolean wrote = successor != null ? successorId[0] != null : ended[0] != null;
        ClaimedTask handed = successor == null ? queuedClaim[0]
                : wrote ? handedSuccessor(c, task, workflow, next, successor, successorId[0]) : null;
        FinishResult result = new FinishResult(true, List.of(), handed, ended[0]);
        return wrote ? Tried.done(result) : new Tried(result, true, at);
    }

    /** The successor a finish claimed for this worker, with its input (the execution's initial context). */
    private ClaimedTask handedSuccessor(Connection c, ClaimedTask task, Workflow workflow, Claimant.Claim next,
                                        TaskNamespace successor, String successorId) throws SQLException {
        String input = task.initialContext() != null ? task.initialContext()
                : tables.initialContext(c, task.executionId());
        return new ClaimedTask(successorId, task.executionId(), task.workflowName(), task.workflowVersion(),
                successor.toString(), 1, Math.max(1, workflow.task(successor).retryPolicy().maxAttempts()), input,
                next.token());
    }

    private static Propagation.Execution execution(ClaimedTask task) {
        return new Propagation.Execution(task.executionId(), task.workflowName(), task.workflowVersion(),
                task.initialContext());
    }

    /** The latest completion time among the execution's other task rows, or {@link Long#MIN_VALUE}. */
    private static long latestOther(ClaimedTask task, Map<String, ExecutionProgress.Row> rows) {
        return rows.values().stream().filter(r -> !r.id().equals(task.taskId()) && r.completedAt() != null)
                .mapToLong(ExecutionProgress.Row::completedAt).max().orElse(Long.MIN_VALUE);
    }

    /**
     * Completion times follow commit order: a task of the same execution that finished while this one
     * waited for the lock may carry a later time than {@code at}, the one written, and the task that ends
     * the execution must not carry the earlier time. Rare (the time was read just before the lock): moves
     * this task's time (and that of the execution it ended, in {@code ended[0]} if not null) to the latest,
     * keeps {@code rows} in step, and returns the time the task now carries.
     */
    private long restampIfBehind(Connection c, ClaimedTask task, Map<String, ExecutionProgress.Row> rows, long at,
                                 ExecutionRecord[] ended) throws SQLException {
        long latest = latestOther(task, rows);
        if (latest <= at) {
            return at;
        }
        restamp(c, tables.tasks, task.taskId(), latest);
        ExecutionProgress.Row own = rows.get(task.taskName());
        if (own != null) {
            rows.put(task.taskName(), new ExecutionProgress.Row(own.id(), own.status(), latest));
        }
        if (ended != null && ended[0] != null) {
            restamp(c, tables.executions, task.executionId(), latest);
            ended[0] = tables.loadExecution(c, task.executionId()).orElseThrow();
        }
        return latest;
    }

    /**
     * The first of a task's {@code dependents} (in topological order) whose only dependency is that task and
     * whose trigger rule always holds: ready as soon as the task succeeds. Null when there is none.
     */
    private static TaskNamespace soleSuccessor(Workflow workflow, List<TaskNamespace> dependents) {
        for (TaskNamespace dependent : dependents) {
            TaskDefinition definition = workflow.task(dependent);
            if (definition.dependencies().size() == 1
                    && definition.triggerRule() instanceof io.cloaca.engine.workflow.TriggerRule.Always) {
                return dependent;
            }
        }
        return null;
    }

    /** Moves the end time of a row of {@code table} (tasks or executions) to {@code at}. */
    private static void restamp(Connection c, String table, String id, long at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table
                + " SET completed_at = ?, updated_at = ? WHERE id = ?")) {
            ps.setLong(1, at);
            ps.setLong(2, at);
            ps.setString(3, id);
            ps.executeUpdate();
        }
    }

    /**
     * In a retried {@link #finish}: whether an earlier try committed the outcome after all (the row holds
     * what this outcome writes and still carries this claim's token) and, if so, what it did that the caller
     * must act on: the dependent or the {@code queued} task it claimed, the end of the execution. Dependents it
     * made Ready are found by the runners' polls. The row is compared with the outcome, not only the token:
     * an abandon of the claim (see {@link OrphanRecovery#abandon}) that won a race with this finish also
     * leaves the token, with a Failed status and its own error.
     */
    private FinishResult alreadyRecorded(Connection c, ClaimedTask task, TaskOutcome outcome, Claimant.Claim next,
                                         String queued) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT status, claim_token, last_error FROM " + tables.tasks
                + " WHERE id = ?")) {
            ps.setString(1, task.taskId());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !task.token().equals(rs.getString(2))
                        || !writtenBy(outcome, TaskStatus.parse(rs.getString(1)), rs.getString(3))) {
                    return FinishResult.LOST;
                }
            }
        }
        LOG.warn("Execution {}: the outcome of task {} was committed by an earlier try whose acknowledgement was lost",
                task.executionId(), task.taskName());
        ClaimedTask claimed = null;
        if (next != null) {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, task_name, attempt, max_attempts FROM "
                    + tables.tasks + " WHERE execution_id = ? AND claim_token = ? AND status = 'Running'")) {
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
            if (claimed == null && queued != null) {
                claimed = claims.claimedUnder(c, queued, next.token()).orElse(null);
            }
        }
        ExecutionRecord ended = tables.loadExecution(c, task.executionId())
                .filter(e -> e.status().isTerminal()).orElse(null);
        return new FinishResult(true, List.of(), claimed, ended);
    }

    /** Whether a task row with {@code status} and {@code lastError} is what recording {@code outcome} writes. */
    private static boolean writtenBy(TaskOutcome outcome, TaskStatus status, String lastError) {
        if (outcome instanceof TaskOutcome.Retry r) {
            return status == TaskStatus.Ready && java.util.Objects.equals(r.error(), lastError);
        }
        if (outcome instanceof TaskOutcome.Failed f) {
            return status == TaskStatus.Failed && java.util.Objects.equals(f.error(), lastError);
        }
        return status == TaskStatus.Completed;
    }

    private static final String OWNED = ", " + StoreTables.UNCLAIM + " WHERE id = ? AND ";

    /**
     * The write of a success or a final failure, if the claim still holds (the token stays in the row, see
     * {@link #alreadyRecorded}); sets {@code recorded[0]} when it did.
     *
     * @param notBeforeStart PostgreSQL only: stamp the completion no earlier than the row's start, which for
     *                       a task claimed by its predecessor's finish is that predecessor's completion time
     */
    private Pipeline.Step outcomeStep(ClaimedTask task, TaskOutcome outcome, long at, boolean[] recorded,
                                      boolean notBeforeStart) {
        Pipeline.Reader reader = (rs, count) -> recorded[0] = Rows.changedOne(count,
                "recording the outcome of task " + task.taskId());
        // A success writes its output, a final failure its error: the rest of the statement is the same.
        boolean succeeded = outcome instanceof TaskOutcome.Succeeded;
        StatusMove move = succeeded ? COMPLETE : FAIL;
        List<String> values;
        if (outcome instanceof TaskOutcome.Succeeded s) {
            values = java.util.Collections.singletonList(s.outputContext());
        } else {
            TaskOutcome.Failed f = (TaskOutcome.Failed) outcome;
            values = java.util.Arrays.asList(f.error(), f.details());
        }
        return new Pipeline.Step("UPDATE " + tables.tasks + " SET " + move.set()
                + (succeeded ? ", output_context = ?," : ", last_error = ?, error_details = ?,")
                + (notBeforeStart ? " completed_at = GREATEST(?, started_at)," : " completed_at = ?,")
                + " updated_at = ?" + OWNED + move.guard() + " AND claim_token = ?",
                (ps, index) -> {
                    int i = index;
                    for (String value : values) {
                        ps.setString(i++, value);
                    }
                    ps.setLong(i++, at);
                    ps.setLong(i++, at);
                    ps.setString(i++, task.taskId());
                    ps.setString(i++, task.token());
                    return i;
                }, reader);
    }

    /** Moves the task back to Ready for its next attempt if the claim still holds, keeping the attempt that ended. */
    private boolean recordRetry(Connection c, ClaimedTask task, TaskOutcome.Retry r, long now) throws SQLException {
        Long retriedStart = startedAt(c, task.taskId());
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + tables.tasks + " SET " + RETRY.set()
                + ", attempt = attempt + 1, retry_at = ?, last_error = ?, error_details = ?, started_at = NULL,"
                + " " + StoreTables.ENQUEUE + ", updated_at = ?" + OWNED + RETRY.guard() + " AND claim_token = ?")) {
            ps.setLong(1, r.retryAt());
            ps.setString(2, r.error());
            ps.setString(3, r.details());
            ps.setLong(4, now);
            ps.setLong(5, now);
            ps.setString(6, task.taskId());
            ps.setString(7, task.token());
            boolean recorded = Rows.changedOne(ps.executeUpdate(), "recording the outcome of task " + task.taskId());
            if (recorded) {
                recordRetriedAttempt(c, task, retriedStart, r.error(), now);
            }
            return recorded;
        }
    }

    private Long startedAt(Connection c, String taskId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT started_at FROM " + tables.tasks + " WHERE id = ?")) {
            ps.setString(1, taskId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? StoreTables.longOrNull(rs, 1) : null;
            }
        }
    }

    /**
     * Keeps the attempt that a retry replaces (the row itself moves on to the next attempt) for the
     * history's timeline. Only retries pay for this; a first-time success writes nothing extra.
     */
    private void recordRetriedAttempt(Connection c, ClaimedTask task, Long startedAt, String error, long now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + tables.attempts
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

    /** See {@link ExecutionStore#failExecution}. */
    FinishResult failExecution(ClaimedTask task, String error, long now) {
        return tables.database.inExecutionTransaction(task.executionId(), c -> {
            tables.lockExecution(c, task.executionId());
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + tables.tasks + " SET " + FAIL.set()
                    + ", last_error = ?, completed_at = ?, " + StoreTables.UNCLAIM + ", updated_at = ? WHERE id = ? AND "
                    + FAIL.guard()
                    + " AND claim_token = ?")) {
                ps.setString(1, error);
                ps.setLong(2, now);
                ps.setLong(3, now);
                ps.setString(4, task.taskId());
                ps.setString(5, task.token());
                if (!Rows.changedOne(ps.executeUpdate(), "failing task " + task.taskId())) {
                    return FinishResult.LOST;
                }
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + tables.tasks + " SET " + FAIL_UNFINISHED.set()
                    + ", last_error = ?, completed_at = ?, " + StoreTables.UNCLAIM + ", " + StoreTables.DEQUEUE
                    + ", updated_at = ? WHERE execution_id = ? AND " + FAIL_UNFINISHED.guard())) {
                ps.setString(1, error);
                ps.setLong(2, now);
                ps.setLong(3, now);
                ps.setString(4, task.executionId());
                ps.executeUpdate();
            }
            String latest = ExecutionProgress.latestCompleted(tables.progressRows(c, task.executionId()));
            String finalContext = latest != null ? tables.output(c, task.executionId(), latest)
                    : tables.initialContext(c, task.executionId());
            ExecutionRecord ended = Propagation.endExecution(c, tables, task.executionId(), ExecutionStatus.Failed,
                    finalContext, error, now);
            return new FinishResult(true, List.of(), null, ended);
        });
    }
}
