package io.cloaca.engine.store;

import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.workflow.Workflow;

/**
 * A store on a private, migrated database (SQLite in memory, or a new PostgreSQL schema), with this
 * process's liveness lock and a claimant "runner-1", for tests of the store's SQL.
 */
final class TestStore implements AutoCloseable {

    /** Two tasks, b after a. */
    static final Workflow PAIR = Workflow.builder("pair")
            .task("a", ctx -> ctx)
            .task("b", java.util.List.of("a"), ctx -> ctx)
            .build();

    final Database database;
    final ExecutionStore store;
    final LivenessLock liveness;
    final Claimant claimant;

    TestStore() {
        DatabaseUrl parsed = DatabaseUrl.parse(TestDatabases.privateDatabaseUrl());
        String schema = parsed instanceof DatabaseUrl.Postgres pg ? pg.schema() : null;
        database = Database.open(parsed, 2, true);
        database.migrate(schema);
        store = new ExecutionStore(database, schema);
        liveness = LivenessLock.open(database);
        claimant = new Claimant("runner-1", liveness.owner(), 60_000);
    }

    @Override
    public void close() {
        liveness.close();
        database.close();
    }
}
