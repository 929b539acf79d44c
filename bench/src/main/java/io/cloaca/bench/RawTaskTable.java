package io.cloaca.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The raw baseline's table: the columns of the engine's {@code task_executions} that the hot path
 * writes, keyed by a UUID string, with an index on status like the engine's.
 */
final class RawTaskTable {

    private static final String NAME = "bench_raw_tasks";

    private final Backend backend;
    private final Setup setup;

    RawTaskTable(Backend backend, Setup setup) {
        this.backend = backend;
        this.setup = setup;
    }

    /** The table's qualified name. */
    String name() {
        return backend.rawTable(NAME);
    }

    void create() throws SQLException {
        String table = name();
        try (Connection c = backend.rawConnection(setup); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS " + table + " (id VARCHAR(36) PRIMARY KEY, status TEXT NOT NULL,"
                    + " claimed_by TEXT, lease_expires_at BIGINT, output_context TEXT, started_at BIGINT,"
                    + " completed_at BIGINT, updated_at BIGINT NOT NULL)");
            st.execute("CREATE INDEX IF NOT EXISTS bench_raw_tasks_status ON " + table + " (status)");
        }
    }

    /** Inserts {@code count} Ready rows in one transaction (not timed) and returns their ids. */
    List<String> insertReady(int count) throws SQLException {
        List<String> ids = new ArrayList<>(count);
        long now = System.currentTimeMillis();
        try (Connection c = backend.rawConnection(setup);
             PreparedStatement ps = c.prepareStatement("INSERT INTO " + name()
                     + " (id, status, updated_at) VALUES (?, 'Ready', ?)")) {
            c.setAutoCommit(false);
            for (int i = 0; i < count; i++) {
                String id = UUID.randomUUID().toString();
                ps.setString(1, id);
                ps.setLong(2, now);
                ps.addBatch();
                ids.add(id);
            }
            ps.executeBatch();
            c.commit();
            c.setAutoCommit(true);
        }
        return ids;
    }
}
