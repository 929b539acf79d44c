-- Times are epoch milliseconds (UTC) in both dialects, so one JDBC code path serves both.
CREATE TABLE workflow_executions (
    id               TEXT PRIMARY KEY,
    workflow_name    TEXT    NOT NULL,
    workflow_version TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('Pending', 'Running', 'Completed', 'Failed', 'Cancelled')),
    initial_context  TEXT    NOT NULL CHECK (json_valid(initial_context)),
    final_context    TEXT CHECK (final_context IS NULL OR json_valid(final_context)),
    error_message    TEXT,
    started_at       INTEGER NOT NULL,
    completed_at     INTEGER,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX idx_workflow_executions_status ON workflow_executions (status);
CREATE INDEX idx_workflow_executions_name ON workflow_executions (workflow_name, started_at);

CREATE TABLE task_executions (
    id                TEXT PRIMARY KEY,
    execution_id      TEXT    NOT NULL REFERENCES workflow_executions (id) ON DELETE CASCADE,
    task_name         TEXT    NOT NULL,
    status            TEXT    NOT NULL CHECK (status IN ('NotStarted', 'Ready', 'Running', 'Completed', 'Failed', 'Skipped')),
    attempt           INTEGER NOT NULL DEFAULT 1,
    max_attempts      INTEGER NOT NULL,
    output_context    TEXT CHECK (output_context IS NULL OR json_valid(output_context)),
    last_error        TEXT,
    error_details     TEXT,
    retry_at          INTEGER,
    claimed_by        TEXT,
    lease_expires_at  INTEGER,
    recovery_attempts INTEGER NOT NULL DEFAULT 0,
    started_at        INTEGER,
    completed_at      INTEGER,
    updated_at        INTEGER NOT NULL,
    UNIQUE (execution_id, task_name)
);
CREATE INDEX idx_task_executions_ready ON task_executions (status, retry_at);
CREATE INDEX idx_task_executions_lease ON task_executions (lease_expires_at) WHERE status = 'Running';
