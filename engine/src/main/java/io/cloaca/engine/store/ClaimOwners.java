package io.cloaca.engine.store;

import java.sql.PreparedStatement;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The processes that take claims in this schema: one row per liveness owner ({@link LivenessLock#owner()}),
 * written by each runner as it starts. It is what a running process's owner watch reads every few seconds
 * to learn that a peer is gone: a table of a few rows, where the task rows have no index of their claims
 * (V7__hot_task_updates.sql). An owner found gone is forgotten once none of its claims is left Running.
 */
final class ClaimOwners {

    private final StoreTables tables;

    ClaimOwners(StoreTables tables) {
        this.tables = tables;
    }

    /** Records that {@code owner}'s process takes claims here; a no-op when it is already recorded. */
    void register(String owner, long now) {
        tables.database.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + tables.claimOwners
                    + " (owner, registered_at) VALUES (?, ?) ON CONFLICT (owner) DO NOTHING")) {
                ps.setString(1, owner);
                ps.setLong(2, now);
                return ps.executeUpdate();
            }
        });
    }

    /** The recorded owners other than {@code self}. */
    Set<String> others(String self) {
        return tables.database.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT owner FROM " + tables.claimOwners
                    + " WHERE owner <> ?")) {
                ps.setString(1, self);
                return new HashSet<>(Rows.list(ps, rs -> rs.getString(1)));
            }
        });
    }

    /**
     * Forgets those of {@code gone} (owners whose process is gone) that hold no Running claim of a Running
     * execution any more, whatever its workflow; returns how many were forgotten. An owner with claims
     * left stays recorded, for a runner that knows their workflows.
     */
    int forget(Collection<String> gone) {
        if (gone.isEmpty()) {
            return 0;
        }
        return tables.database.inTransaction(c -> {
            int forgotten = 0;
            for (List<String> chunk : Rows.chunks(List.copyOf(gone))) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + tables.claimOwners + " WHERE owner IN ("
                        + Rows.marks(chunk.size()) + ") AND NOT EXISTS (SELECT 1" + tables.runningClaims(0)
                        + " AND t.claim_owner = " + tables.claimOwners + ".owner)")) {
                    Rows.bind(ps, 1, chunk);
                    forgotten += ps.executeUpdate();
                }
            }
            return forgotten;
        });
    }
}
