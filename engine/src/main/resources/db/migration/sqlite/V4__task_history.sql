-- What `cloaca ui` draws and the task rows alone cannot tell: a task's dependencies (the DAG's edges,
-- as a JSON array of task names; null on rows written before this migration) and the attempts that
-- ended in a retry (a task row holds only its latest attempt). Only retries write attempt rows, so a
-- task that succeeds first time costs nothing extra.
ALTER TABLE task_executions ADD COLUMN dependencies TEXT CHECK (dependencies IS NULL OR json_valid(dependencies));

CREATE TABLE task_attempts (
    task_id      TEXT    NOT NULL REFERENCES task_executions (id) ON DELETE CASCADE,
    execution_id TEXT    NOT NULL,
    attempt      INTEGER NOT NULL,
    started_at   INTEGER,
    ended_at     INTEGER NOT NULL,
    error        TEXT
);
CREATE INDEX idx_task_attempts_execution ON task_attempts (execution_id);
