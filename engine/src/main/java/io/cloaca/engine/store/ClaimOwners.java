package io.cloaca.engine.store;

import java.sql.PreparedStatement;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * Which other processes hold claims: the cheap question a running process asks every few seconds, so
 * that it learns of a dead peer (whose liveness lock is then free) at once instead of at its next full
 * sweep. One query on the partial index of Running tasks; the answer is usually empty or a handful of
 * owners.
 */
public final class ClaimOwners {

    private final Database database;
    private final String tasks;
    private final String executions;

    /** @param schema PostgreSQL schema holding the tables, or null for the connection's default */
    public ClaimOwners(Database database, String schema) {
        this.database = database;
        String prefix = schema == null ? "" : "\"" + schema + "\".";
        this.tasks = prefix + "task_executions";
        this.executions = prefix + "workflow_executions";
    }

    /**
     * The liveness owners other than {@code self} that hold Running claims on executions of the named
     * workflows (those of other workflows are not this runner's to recover).
     */
    public Set<String> others(Collection<String> workflowNames, String self) {
        if (workflowNames.isEmpty()) {
            return Set.of();
        }
        return database.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT t.claim_owner FROM " + tasks + " t JOIN "
                    + executions + " e ON e.id = t.execution_id WHERE t.status = 'Running'"
                    + " AND t.claim_owner IS NOT NULL AND t.claim_owner <> ? AND e.workflow_name IN ("
                    + Rows.marks(workflowNames.size()) + ")")) {
                ps.setString(1, self);
                Rows.bind(ps, 2, workflowNames);
                return new HashSet<>(Rows.list(ps, rs -> rs.getString(1)));
            }
        });
    }
}
