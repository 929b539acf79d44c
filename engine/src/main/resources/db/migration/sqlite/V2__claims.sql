-- A claim is a token: every claim writes a fresh one, and only the runner holding it in memory renews
-- or completes it. After the outcome is recorded the token stays, so a retried transaction can tell
-- that its own earlier try committed.
ALTER TABLE task_executions ADD COLUMN claim_token TEXT;
-- The liveness-lock owner (one per process and database) that made the claim: when that lock is free
-- the process is gone and the claim is recovered without waiting for its lease.
ALTER TABLE task_executions ADD COLUMN claim_owner TEXT;
