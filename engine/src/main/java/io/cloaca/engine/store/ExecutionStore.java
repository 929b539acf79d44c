package io.cloaca.engine.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloaca.engine.workflow.TaskNamespace;
import io.cloaca.engine.workflow.Workflow;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.Optional;

/**
 * Every write of execution state in one schema of one database, for the engine's runners: one entry
 * point over parts that each do one job, which it delegates to.
 *
 * <ul>
 *   <li>{@link ExecutionCreation}: an execution and its task rows;</li>
 *   <li>{@link TaskClaims}: taking, renewing and giving back claims on Ready tasks;</li>
 *   <li>{@link TaskCompletion}: recording an attempt's outcome, or failing a whole execution;</li>
 *   <li>{@link Propagation}: what follows an outcome, as decided by the pure {@link ExecutionProgress};</li>
 *   <li>{@link OrphanRecovery}: claims whose runner may be gone;</li>
 *   <li>{@link ExecutionQueries}: the reads runners make between writes; other reads are
 *       {@link ExecutionHistory}'s.</li>
 * </ul>
 *
 * <p>Hot path, per task: {@link #claim} (one commit) and {@link #finish} (one commit, which may
 * also claim the next task of a chain for the same worker, saving the dependent's claim commit).
 *
 * <p>A claim is a random token written into the task row together with the claiming process's
 * {@link LivenessLock} owner and a lease; renewing, releasing and completing a claim all require its
 * token. Leases are written and compared on the database's clock ({@link Dialect#nowMillis()}): the
 * server's on PostgreSQL, the host's on SQLite. A test clock given to the store shifts that time by
 * its own offset from the system clock, so that tests can make leases expire without waiting.
 *
 * <p>Every status written is a change that {@link TaskStatus#canMoveTo} or
 * {@link ExecutionStatus#canMoveTo} lists (see {@link StatusMove}). Embedders read executions through
 * {@link ExecutionHistory}, never through this class.
 */
public final class ExecutionStore {

    private final StoreTables tables;
    private final ExecutionCreation creation;
    private final TaskClaims claims;
    private final TaskCompletion completion;
    private final OrphanRecovery recovery;
    private final ClaimOwners owners;
    private final ExecutionQueries queries;
    private final ExecutionHistory history;

    /**
     * @param schema PostgreSQL schema holding the tables, or null for the connection's default
     *               (always null on SQLite); must already be validated
     */
    public ExecutionStore(Database database, String schema) {
        this(database, schema, Clock.systemUTC());
    }

    /** @param clock read once a finishing transaction holds its execution's lock (see {@link #finish}) */
    public ExecutionStore(Database database, String schema, Clock clock) {
        this.tables = new StoreTables(database, schema, clock);
        this.claims = new TaskClaims(tables);
        Propagation propagation = new Propagation(tables, claims);
        this.creation = new ExecutionCreation(tables, propagation);
        this.completion = new TaskCompletion(tables, claims, propagation);
        this.recovery = new OrphanRecovery(tables, propagation);
        this.owners = new ClaimOwners(tables);
        this.queries = new ExecutionQueries(tables);
        this.history = ExecutionHistory.retrying(database, schema);
    }

    public Database database() {
        return tables.database;
    }

    // ---- creation ---------------------------------------------------------------------------------

    /**
     * A new execution's root tasks: claimed in the creating transaction, or left Ready for any runner.
     *
     * @param finished the execution, when the trigger rules of its roots skipped every task; else null
     */
    public record Created(List<String> ready, List<ClaimedTask> claimed, ExecutionRecord finished) {
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
     * As {@link #createExecution(String, String, Workflow, String, long)}, and up to {@code claimLimit}
     * root tasks are written already claimed by {@code claimFor} (may be null): a runner that will run
     * them at once saves the claim's commit.
     */
    public Created createExecution(String executionId, String workflowName, Workflow workflow, String initialContext,
                                   Claimant claimFor, int claimLimit, long now) {
        return tables.database.inExecutionTransaction(executionId, (c, whole) -> creation.create(c,
                executionId, workflowName, workflow, initialContext, null, claimFor, claimLimit, now, whole));
    }

    /**
     * The statements of {@link #createExecution(String, String, Workflow, String, long)} on a connection
     * whose transaction the caller holds, so that another write (a cron instant's claim, a trigger's
     * fire) commits or rolls back together with the execution, which records that {@code startedBy}
     * started it.
     */
    public Created createExecution(Connection c, String executionId, String workflowName, Workflow workflow,
                                   String initialContext, StartedBy startedBy, long now) throws SQLException {
        return creation.create(c, executionId, workflowName, workflow, initialContext, startedBy, null, 0, now, false);
    }

    // ---- claims -----------------------------------------------------------------------------------

    /**
     * Takes a Ready task for {@code claimant}, with a new token.
     *
     * @return the claimed task, or empty when it was not Ready (someone else took it, or it ended)
     */
    public Optional<ClaimedTask> claim(String taskId, Claimant claimant, long now) {
        return claims.claim(taskId, claimant, now);
    }

    /** Gives a claimed task back (Ready, unowned) so that another runner, or a later one, can take it. */
    public boolean release(ClaimedTask task, long now) {
        return claims.release(List.of(task), now) == 1;
    }

    /**
     * Gives claimed tasks back in one transaction (see {@link #release(ClaimedTask, long)}), each only if its
     * token still holds and no other transaction holds its row; returns how many were given back.
     */
    public int release(Collection<ClaimedTask> tasks, long now) {
        return claims.release(tasks, now);
    }

    /** Ready, due tasks of the named workflows, oldest first. */
    public List<String> findReadyTasks(Collection<String> workflowNames, long now, int limit) {
        return claims.findReadyTasks(workflowNames, now, limit);
    }

    /**
     * Extends the leases of the given claims (those the caller holds in memory), each only if its token
     * still holds; returns how many were extended. A claim the caller lost track of is never renewed:
     * it expires with its lease.
     */
    public int renewLeases(Collection<ClaimedTask> claimsHeld, long leaseMillis) {
        return claims.renewLeases(claimsHeld, leaseMillis);
    }

    // ---- completion -------------------------------------------------------------------------------

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
        return finish(task, outcome, workflow, next, null, now);
    }

    /**
     * As {@link #finish(ClaimedTask, TaskOutcome, Workflow, Claimant.Claim, long)}, and when the task is one
     * that nothing depends on ({@link #takesQueuedWork}) also claims {@code queued}, a Ready task the
     * worker took from its runner's queue, under {@code next} in the same transaction: under a backlog a
     * one-task workflow then costs two transactions (its creation and its finish) rather than three. The
     * claim is made only if the outcome is recorded, and only if no other transaction holds the row; the
     * task is then {@code FinishResult.next}, and otherwise it was not claimed (it may still be Ready).
     *
     * @param queued the id of a task this runner found Ready, or null
     */
    public FinishResult finish(ClaimedTask task, TaskOutcome outcome, Workflow workflow, Claimant.Claim next,
                               String queued, long now) {
        return completion.finish(task, outcome, workflow, next, queued, now);
    }

    /** Whether a finish of {@code taskName} of {@code workflow} claims the queued task it is given. */
    public static boolean takesQueuedWork(Workflow workflow, String taskName) {
        return TaskCompletion.takesQueuedWork(workflow, taskName);
    }

    /** One try of {@link #finish} on the caller's transaction; {@code retried}: an earlier try may have committed. */
    FinishResult finish(Connection c, ClaimedTask task, TaskOutcome outcome, Workflow workflow, Claimant.Claim next,
                        String queued, long now, boolean retried) throws SQLException {
        return completion.finish(c, task, outcome, workflow, next, queued, now, retried);
    }

    /**
     * Ends an execution as Failed with {@code error}, from a task this runner claimed in it: that task
     * and every other unfinished one fail with the error, so nothing is left waiting or claimed in an
     * ended execution. A task another runner is running is failed too; its outcome is then dropped as
     * under any lost claim. Used when the execution cannot go on here at all (its workflow version is
     * not the one registered).
     *
     * @return LOST if the claim no longer held, otherwise the ended execution as {@code finished}
     */
    public FinishResult failExecution(ClaimedTask task, String error, long now) {
        return completion.failExecution(task, error, now);
    }

    // ---- recovery ---------------------------------------------------------------------------------

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
        return recovery.findSuspectClaims(workflowNames, self);
    }

    /**
     * Records that the process of liveness owner {@code owner} takes claims in this schema, so that the
     * owner watches of other processes look at it ({@link #claimOwnersOtherThan}); a runner does this as
     * it starts, before its first claim. A no-op when already recorded.
     */
    public void registerClaimOwner(String owner, long now) {
        owners.register(owner, now);
    }

    /**
     * The liveness owners other than {@code self} recorded as taking claims here: the cheap question (a
     * table of a few rows) a running process asks every few seconds to learn of a dead peer without a
     * full sweep.
     */
    public Set<String> claimOwnersOtherThan(String self) {
        return owners.others(self);
    }

    /**
     * Forgets the recorded owners among {@code gone} (whose process is gone) that no Running claim names
     * any more; returns how many. Called after a sweep has recovered their claims.
     */
    public int forgetClaimOwners(Collection<String> gone) {
        return owners.forget(gone);
    }

    /**
     * Makes an orphaned task Ready again, counting the recovery; a no-op (false) if its claim was
     * renewed, recorded or recovered by someone else meanwhile.
     *
     * @param ownerGone the claim's liveness owner is gone, so its lease need not have expired
     */
    public boolean recover(OrphanedTask orphan, boolean ownerGone, long now) {
        return recovery.recover(orphan, ownerGone, now);
    }

    /**
     * Fails an orphaned task for good (it was recovered too often) with {@code reason}, then readies its
     * dependents and ends the execution if nothing is left, as a normal failure would.
     */
    public FinishResult abandon(OrphanedTask orphan, boolean ownerGone, String reason, Workflow workflow, long now) {
        return recovery.abandon(orphan, ownerGone, reason, workflow, now);
    }

    // ---- reads ------------------------------------------------------------------------------------

    /**
     * A task's input: the outputs of those of {@code dependencies} that completed or were skipped, merged
     * in their order. A skipped task's output is the input it would have had, so that a chain through it
     * carries the context on.
     */
    public ObjectNode mergedOutputs(String executionId, List<TaskNamespace> dependencies) {
        return queries.mergedOutputs(executionId, dependencies);
    }

    /** Those of {@code executionIds} that have ended. */
    public List<ExecutionRecord> findFinished(Collection<String> executionIds) {
        return queries.findFinished(executionIds);
    }

    /** As {@link ExecutionHistory#findExecution}, retrying transient failures. */
    public Optional<ExecutionRecord> findExecution(String executionId) {
        return history.findExecution(executionId);
    }

    /** As {@link ExecutionHistory#recentExecutions}, retrying transient failures. */
    public List<ExecutionRecord> listExecutions(String workflowName, int limit) {
        return history.recentExecutions(workflowName, limit);
    }

    /** As {@link ExecutionHistory#tasks}, retrying transient failures. */
    public List<TaskRecord> listTasks(String executionId) {
        return history.tasks(executionId);
    }
}
