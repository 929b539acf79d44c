-- Cron schedules and the audit row of every instant they claimed (issue 7). Times are epoch
-- milliseconds (UTC), as in V1. V2 belongs to the claims work; Flyway accepts the gap.
CREATE TABLE cron_schedules (
    id              VARCHAR(36) PRIMARY KEY,
    workflow_name   TEXT    NOT NULL,
    cron_expression TEXT    NOT NULL,
    timezone        TEXT    NOT NULL,
    enabled         BOOLEAN NOT NULL,
    catchup_policy  TEXT    NOT NULL CHECK (catchup_policy IN ('skip', 'run_all')),
    next_run_at     BIGINT  NOT NULL,
    last_run_at     BIGINT,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
-- The scheduler's one question: the earliest next_run_at among enabled schedules.
CREATE INDEX idx_cron_schedules_due ON cron_schedules (next_run_at) WHERE enabled;
CREATE INDEX idx_cron_schedules_workflow ON cron_schedules (workflow_name);

-- One row per claimed instant, written in the transaction that claims it and, when it started,
-- creates its execution: UNIQUE (schedule_id, scheduled_time) makes each instant fire at most once.
CREATE TABLE cron_executions (
    id             VARCHAR(36) PRIMARY KEY,
    schedule_id    VARCHAR(36) NOT NULL REFERENCES cron_schedules (id) ON DELETE CASCADE,
    execution_id   VARCHAR(36) REFERENCES workflow_executions (id) ON DELETE SET NULL,
    scheduled_time BIGINT  NOT NULL,
    claimed_at     BIGINT  NOT NULL,
    claimed_by     TEXT    NOT NULL,
    outcome        TEXT    NOT NULL CHECK (outcome IN ('started', 'skipped', 'failed')),
    detail         TEXT,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    UNIQUE (schedule_id, scheduled_time)
);
CREATE INDEX idx_cron_executions_claimed ON cron_executions (claimed_at);
CREATE INDEX idx_cron_executions_execution ON cron_executions (execution_id);
