-- Times are epoch milliseconds (UTC) in both dialects, so one JDBC code path serves both.
CREATE TABLE workflow_executions (
    id               VARCHAR(36) PRIMARY KEY,
    workflow_name    TEXT    NOT NULL,
    workflow_version TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('Pending', 'Running', 'Completed', 'Failed', 'Cancelled')),
    initial_context  TEXT    NOT NULL CHECK (initial_context::json IS NOT NULL),
    final_context    TEXT CHECK (final_context IS NULL OR final_context::json IS NOT NULL),
    error_message    TEXT,
    started_at       BIGINT  NOT NULL,
    completed_at     BIGINT,
    updated_at       BIGINT  NOT NULL
);
CREATE INDEX idx_workflow_executions_status ON workflow_executions (status);
CREATE INDEX idx_workflow_executions_name ON workflow_executions (workflow_name, started_at);

CREATE TABLE task_executions (
    id                VARCHAR(36) PRIMARY KEY,
    execution_id      VARCHAR(36) NOT NULL REFERENCES workflow_executions (id) ON DELETE CASCADE,
    task_name         TEXT    NOT NULL,
    status            TEXT    NOT NULL CHECK (status IN ('NotStarted', 'Ready', 'Running', 'Completed', 'Failed', 'Skipped')),
    attempt           INTEGER NOT NULL DEFAULT 1,
    max_attempts      INTEGER NOT NULL,
    output_context    TEXT CHECK (output_context IS NULL OR output_context::json IS NOT NULL),
    last_error        TEXT,
    error_details     TEXT,
    retry_at          BIGINT,
    claimed_by        TEXT,
    lease_expires_at  BIGINT,
    recovery_attempts INTEGER NOT NULL DEFAULT 0,
    started_at        BIGINT,
    completed_at      BIGINT,
    updated_at        BIGINT  NOT NULL,
    UNIQUE (execution_id, task_name)
);
CREATE INDEX idx_task_executions_ready ON task_executions (status, retry_at);
CREATE INDEX idx_task_executions_lease ON task_executions (lease_expires_at) WHERE status = 'Running';
