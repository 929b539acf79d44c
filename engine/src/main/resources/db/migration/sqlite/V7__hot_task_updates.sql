-- The same Ready queue columns and indexes as PostgreSQL's V7, which took status out of the task table's
-- indexes so that a chain's task updates can stay on their page there (see that migration). SQLite has no
-- such updates; it keeps one schema and one code path with PostgreSQL: queued (1 while Ready, else NULL)
-- and queued_at (when it became Ready) are written only when a task joins or leaves the Ready queue, and
-- the poll reads their partial index. SQLite cannot add a table CHECK to an existing table: triggers keep
-- the invariant that PostgreSQL's CHECK keeps.
ALTER TABLE task_executions ADD COLUMN queued INTEGER CHECK (queued = 1);
ALTER TABLE task_executions ADD COLUMN queued_at INTEGER;
UPDATE task_executions SET queued = 1, queued_at = updated_at WHERE status = 'Ready';
CREATE TRIGGER task_executions_queued_iff_ready_insert BEFORE INSERT ON task_executions
    WHEN (NEW.status = 'Ready') <> (NEW.queued IS NOT NULL) OR (NEW.queued IS NULL) <> (NEW.queued_at IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'task_executions_queued_iff_ready: queued and queued_at are set exactly when status is Ready');
END;
CREATE TRIGGER task_executions_queued_iff_ready_update BEFORE UPDATE OF status, queued, queued_at ON task_executions
    WHEN (NEW.status = 'Ready') <> (NEW.queued IS NOT NULL) OR (NEW.queued IS NULL) <> (NEW.queued_at IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'task_executions_queued_iff_ready: queued and queued_at are set exactly when status is Ready');
END;
DROP INDEX idx_task_executions_ready;
DROP INDEX idx_task_executions_lease;
CREATE INDEX idx_task_executions_queue ON task_executions (queued_at) WHERE queued = 1;
DROP INDEX idx_workflow_executions_status;
CREATE INDEX idx_workflow_executions_status ON workflow_executions (status, workflow_name);
-- The processes that take claims in this schema, one row per liveness owner, written by each runner as
-- it starts: what the owner watch of a running process reads every few seconds (it read the lease index
-- before). A gone owner's row is deleted once its claims are recovered.
CREATE TABLE claim_owners (
    owner         TEXT PRIMARY KEY,
    registered_at INTEGER NOT NULL
);
