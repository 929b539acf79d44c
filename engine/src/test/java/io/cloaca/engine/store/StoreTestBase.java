package io.cloaca.engine.store;

import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.workflow.Workflow;
import org.junit.jupiter.api.AfterEach;

/**
 * For tests of the store's SQL: a store on a private, migrated database (SQLite in memory, or a new
 * PostgreSQL schema), opened for each test (JUnit makes an instance per test method), with this
 * process's liveness lock and a claimant "runner-1".
 */
abstract class StoreTestBase {

    /** Two tasks, b after a. */
    static final Workflow PAIR = Workflow.builder("pair")
            .task("a", ctx -> ctx)
            .task("b", java.util.List.of("a"), ctx -> ctx)
            .build();

    final Database database;
    final ExecutionStore store;
    final LivenessLock liveness;
    final Claimant claimant;

    StoreTestBase() {
        DatabaseUrl parsed = DatabaseUrl.parse(TestDatabases.privateDatabaseUrl());
        String schema = parsed instanceof DatabaseUrl.Postgres pg ? pg.schema() : null;
        database = Database.open(parsed, 2, true);
        database.migrate(schema);
        store = new ExecutionStore(database, schema);
        liveness = LivenessLock.open(database);
        claimant = new Claimant("runner-1", liveness.owner(), 60_000);
    }

    /** {@code claim} as a worker holds it after losing it: the same task under a token that is not the row's. */
    static ClaimedTask spent(ClaimedTask claim) {
        return new ClaimedTask(claim.taskId(), claim.executionId(), claim.workflowName(), claim.workflowVersion(),
                claim.taskName(), claim.attempt(), claim.maxAttempts(), claim.initialContext(), "not-the-token");
    }

    /** A table of the store, qualified by the test's schema on PostgreSQL. */
    String table(String name) {
        return database.url() instanceof DatabaseUrl.Postgres pg ? "\"" + pg.schema() + "\"." + name : name;
    }

    /**
     * Begins a transaction on {@code c} that holds the row lock of {@code id} in table {@code name}, as
     * another writer mid-transaction would; the lock goes when {@code c} rolls back or closes.
     */
    void lockRow(java.sql.Connection c, String name, String id) throws java.sql.SQLException {
        c.setAutoCommit(false);
        try (java.sql.PreparedStatement ps = c.prepareStatement("SELECT id FROM " + table(name)
                + " WHERE id = ? FOR UPDATE")) {
            ps.setString(1, id);
            ps.executeQuery().close();
        }
    }

    @AfterEach
    void closeStore() {
        liveness.close();
        database.close();
    }
}
