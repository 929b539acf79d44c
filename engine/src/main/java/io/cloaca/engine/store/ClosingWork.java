package io.cloaca.engine.store;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Transaction work that is told whether it is the whole transaction. When it is, it may send the COMMIT
 * together with its last statements ({@link Pipeline#runAndCommit}), one round trip fewer on PostgreSQL;
 * the caller's own commit then finds nothing left to commit. Work that shares its transaction with
 * others (a group-commit batch) must leave the commit to the caller.
 */
@FunctionalInterface
interface ClosingWork<T> {
    T run(Connection connection, boolean wholeTransaction) throws SQLException;
}
