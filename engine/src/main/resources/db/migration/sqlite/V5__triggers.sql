-- Event triggers (issue 8). A trigger's poll function lives in the processes that define it; its row
-- here carries what all of them share: the next poll time that one process claims per interval with a
-- compare-and-set, whether it is enabled, and the audit of what its polls did. Times are epoch
-- milliseconds (UTC), as in V1.
CREATE TABLE trigger_schedules (
    id               TEXT PRIMARY KEY,
    trigger_name     TEXT    NOT NULL UNIQUE,
    workflow_name    TEXT    NOT NULL,
    poll_interval_ms INTEGER,
    cron_expression  TEXT,
    timezone         TEXT,
    allow_concurrent INTEGER NOT NULL,
    enabled          INTEGER NOT NULL,
    next_poll_at     INTEGER NOT NULL,
    last_poll_at     INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    -- polled either every interval or at the instants of a cron expression, never both
    CHECK ((poll_interval_ms IS NULL) <> (cron_expression IS NULL))
);

-- One row per poll that fired (linked to its execution in the transaction that created it) or failed
-- (raised, returned a wrong type, timed out, or its workflow is not registered).
CREATE TABLE trigger_executions (
    id           TEXT PRIMARY KEY,
    trigger_name TEXT    NOT NULL REFERENCES trigger_schedules (trigger_name) ON DELETE CASCADE,
    context_hash TEXT,
    execution_id TEXT REFERENCES workflow_executions (id) ON DELETE SET NULL,
    outcome      TEXT    NOT NULL CHECK (outcome IN ('fired', 'error')),
    detail       TEXT,
    polled_at    INTEGER NOT NULL,
    polled_by    TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX idx_trigger_executions_trigger ON trigger_executions (trigger_name, created_at);
-- The in-flight check before a fire: same trigger, same context, execution not ended.
CREATE INDEX idx_trigger_executions_hash ON trigger_executions (trigger_name, context_hash);
CREATE INDEX idx_trigger_executions_execution ON trigger_executions (execution_id);
