-- The runners' poll for Ready work reads the Ready rows only, oldest first. The V1 index on (status,
-- retry_at) held an entry for every version of every task row, whatever its status: each claim and
-- each outcome added one, and the poll's scan of the 'Ready' range also walked the entries that
-- earlier versions left behind until a vacuum removed them. On a fresh or busy table the planner
-- then paired that range with every execution of the polled workflows (tens of milliseconds a poll
-- after a few thousand executions). A partial index holds Ready rows alone, in the poll's order, and
-- the row versions of other statuses write nothing to it.
DROP INDEX idx_task_executions_ready;
CREATE INDEX idx_task_executions_ready ON task_executions (updated_at) WHERE status = 'Ready';
