-- What started an execution, on the execution's own row, written when the row is: 'cron' (starter: the
-- schedule's id) or 'trigger' (starter: the trigger's name); NULL for a caller's execute. It used to be
-- read from the audit rows, which deleting a schedule deletes by cascade (upstream's semantics, which
-- get_cron_execution_history and the stats keep), so its executions turned into callers' ones.
ALTER TABLE workflow_executions ADD COLUMN started_by TEXT CHECK (started_by IN ('cron', 'trigger'));
ALTER TABLE workflow_executions ADD COLUMN starter TEXT;
-- Executions started before this version: what their audit rows, where still there, say.
UPDATE workflow_executions SET started_by = 'cron',
       starter = (SELECT a.schedule_id FROM cron_executions a WHERE a.execution_id = workflow_executions.id)
 WHERE id IN (SELECT execution_id FROM cron_executions);
UPDATE workflow_executions SET started_by = 'trigger',
       starter = (SELECT a.trigger_name FROM trigger_executions a WHERE a.execution_id = workflow_executions.id)
 WHERE id IN (SELECT execution_id FROM trigger_executions);
