package io.cloaca.engine.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Statements that follow one another in a transaction, sent to PostgreSQL in one round trip: one
 * prepared statement holding them all, which PgJDBC sends with a single Sync. The server still runs
 * each on a snapshot of its own (READ COMMITTED), so a statement after a row lock sees what was
 * committed before the lock was granted, as it would in a round trip of its own. On SQLite, which has
 * no round trips to save and takes one statement per prepared statement, they run one by one.
 *
 * <p>A statement that fails fails the call, and the caller's transaction (or savepoint) is rolled back
 * as for any failure; statements after it are not run.
 */
final class Pipeline {

    /** Binds a statement's parameters from {@code index} on; returns the next free index. */
    @FunctionalInterface
    interface Binder {
        int bind(PreparedStatement ps, int index) throws SQLException;
    }

    /** Reads what a statement came to: its rows (a query, or RETURNING), or else its update count. */
    @FunctionalInterface
    interface Reader {
        void read(ResultSet rows, int updateCount) throws SQLException;
    }

    /** One statement: its SQL (no trailing semicolon), its parameters and what to do with its result. */
    record Step(String sql, Binder binder, Reader reader) {
    }

    /** For a statement whose result says nothing new (an INSERT fails rather than insert fewer rows). */
    static final Reader IGNORE = (rows, updateCount) -> { };

    private Pipeline() {
    }

    /** Runs {@code steps} in order on {@code c}: together when {@code dialect} has round trips to save. */
    static void run(Connection c, Dialect dialect, Step... steps) throws SQLException {
        if (dialect.singleWriter() || steps.length == 1) {
            for (Step step : steps) {
                try (PreparedStatement ps = c.prepareStatement(step.sql())) {
                    step.binder().bind(ps, 1);
                    read(ps, ps.execute(), step);
                }
            }
            return;
        }
        String sql = Arrays.stream(steps).map(Step::sql).collect(Collectors.joining(";\n"));
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int index = 1;
            for (Step step : steps) {
                index = step.binder().bind(ps, index);
            }
            boolean rows = ps.execute();
            for (int i = 0; i < steps.length; i++) {
                if (i > 0) {
                    rows = ps.getMoreResults();
                }
                read(ps, rows, steps[i]);
            }
        }
    }

    private static final Step COMMIT = new Step("COMMIT", (ps, index) -> index, IGNORE);

    /**
     * Runs {@code steps} as {@link #run} does, then commits the transaction: on PostgreSQL the COMMIT goes
     * in the same round trip (if a statement fails, the server skips the COMMIT and the transaction is
     * rolled back as usual); the connection's own commit afterwards finds nothing to do. Only for the
     * last statements of a transaction that is all its caller's ({@link ClosingWork}), and only for
     * statements whose results need no reading: once the COMMIT is sent, nothing read can undo it.
     */
    static void runAndCommit(Connection c, Dialect dialect, Step... steps) throws SQLException {
        for (Step step : steps) {
            if (step.reader() != IGNORE) {
                throw new IllegalArgumentException("a committed pipeline cannot read results: " + step.sql());
            }
        }
        runThenCommit(c, dialect, steps);
    }

    /**
     * As {@link #runAndCommit}, for statements whose results are read once the COMMIT has been sent: the
     * caller reads them to learn what was committed, and must never need them to decide whether it
     * should have been.
     */
    static void runThenCommit(Connection c, Dialect dialect, Step... steps) throws SQLException {
        if (dialect.singleWriter()) {
            run(c, dialect, steps); // no round trips to save: the caller commits
            return;
        }
        Step[] withCommit = Arrays.copyOf(steps, steps.length + 1);
        withCommit[steps.length] = COMMIT;
        run(c, dialect, withCommit);
    }

    private static void read(PreparedStatement ps, boolean rows, Step step) throws SQLException {
        if (rows) {
            try (ResultSet rs = ps.getResultSet()) {
                step.reader().read(rs, -1);
            }
        } else {
            step.reader().read(null, ps.getUpdateCount());
        }
    }
}
