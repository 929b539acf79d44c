-- A chain's step rewrites two task rows: the finished task's outcome and its successor's claim. PostgreSQL
-- can write such an update in place on the row's page, without a new entry in any index (a HOT update),
-- only when no indexed column changes, counting the columns of partial indexes' predicates. The V6 index
-- of Ready rows (predicate on status) and the V1 index of leases (on lease_expires_at, predicate on
-- status) made every claim and every outcome write entries in all of the table's indexes; measured with
-- pgbench on the engine's statements, a chain step whose updates stay HOT cost 12-28% less machine CPU.
--
-- So no index of the task table names a column that a claim or an outcome changes:
-- - The Ready queue gets columns of its own, written only when a task joins or leaves it: queued (1, or
--   NULL when not Ready) and queued_at (when it joined, the poll's order). A successor claimed by its
--   predecessor's finish never becomes Ready, so a chain's steps leave both NULL. The flag is what the
--   partial index tests: the planner rates an equality as selective on a table without statistics, as a
--   new schema's is, and `queued_at IS NOT NULL` as matching nearly every row.
-- - Claims whose runner may be gone are found from the Running executions of the runner's workflows and
--   their task rows (the key on execution_id, task_name), not from an index of leases; the status index
--   of executions gains the workflow name, so that it, not the index by name (every execution the
--   workflow ever had), is the way in.
ALTER TABLE task_executions ADD COLUMN queued SMALLINT CHECK (queued = 1);
ALTER TABLE task_executions ADD COLUMN queued_at BIGINT;
UPDATE task_executions SET queued = 1, queued_at = updated_at WHERE status = 'Ready';
ALTER TABLE task_executions ADD CONSTRAINT task_executions_queued_iff_ready
    CHECK ((status = 'Ready') = (queued IS NOT NULL) AND (queued IS NULL) = (queued_at IS NULL));
DROP INDEX idx_task_executions_ready;
DROP INDEX idx_task_executions_lease;
CREATE INDEX idx_task_executions_queue ON task_executions (queued_at) WHERE queued = 1;
DROP INDEX idx_workflow_executions_status;
CREATE INDEX idx_workflow_executions_status ON workflow_executions (status, workflow_name);
-- Room on each page for the new versions of its rows: a HOT update must find space on the same page.
ALTER TABLE task_executions SET (fillfactor = 70);
-- The processes that take claims in this schema, one row per liveness owner, written by each runner as
-- it starts: what the owner watch of a running process reads every few seconds (it read the lease index
-- before). A gone owner's row is deleted once its claims are recovered.
CREATE TABLE claim_owners (
    owner         TEXT PRIMARY KEY,
    registered_at BIGINT NOT NULL
);
