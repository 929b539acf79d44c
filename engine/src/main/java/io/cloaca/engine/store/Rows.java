package io.cloaca.engine.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The few JDBC chores the stores repeat: reading rows into a list, binding an IN list, nullable
 * BIGINT columns, checking update counts.
 */
public final class Rows {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Rows.class);

    /** Most values bound in one IN list: PostgreSQL allows 32,767 parameters per statement. */
    static final int IN_CHUNK = 1000;

    /** Turns the current row into a value. */
    @FunctionalInterface
    public interface Mapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private Rows() {
    }

    /** Runs {@code ps} and maps every row. */
    public static <T> List<T> list(PreparedStatement ps, Mapper<T> mapper) throws SQLException {
        List<T> rows = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows.add(mapper.map(rs));
            }
        }
        return rows;
    }

    /** A BIGINT column that may be NULL. */
    public static Long longOrNull(ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    /** Binds a BIGINT parameter that may be NULL. */
    public static void setLong(PreparedStatement ps, int index, Long value) throws SQLException {
        if (value == null) {
            ps.setNull(index, java.sql.Types.BIGINT);
        } else {
            ps.setLong(index, value);
        }
    }

    /** {@code ?, ?, ?} for an IN list of {@code n} values. */
    public static String marks(int n) {
        return String.join(", ", Collections.nCopies(n, "?"));
    }

    /** Binds {@code values} from parameter {@code index} on; returns the next free index. */
    public static int bind(PreparedStatement ps, int index, Collection<String> values) throws SQLException {
        int i = index;
        for (String value : values) {
            ps.setString(i++, value);
        }
        return i;
    }

    /**
     * Runs {@code selectTwoColumnsWhere} (a query ending in {@code WHERE <column>}) with {@code IN (values)}
     * appended, in chunks, and maps each row's first column to its second.
     */
    public static Map<String, String> lookup(Connection c, String selectTwoColumnsWhere, Collection<String> values)
            throws SQLException {
        Map<String, String> out = new HashMap<>();
        for (List<String> chunk : chunks(List.copyOf(values))) {
            try (PreparedStatement ps = c.prepareStatement(selectTwoColumnsWhere + " IN (" + marks(chunk.size()) + ")")) {
                bind(ps, 1, chunk);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getString(1), rs.getString(2));
                    }
                }
            }
        }
        return out;
    }

    /**
     * Whether a conditional UPDATE meant for one row changed it: 0 is a lost race (false), 1 success;
     * more means a condition does not pin one row, a bug, logged loudly (and counted as done).
     */
    static boolean changedOne(int count, String what) {
        if (count > 1) {
            LOG.error("BUG: {} changed {} rows where at most one was meant; please report this", what, count);
        }
        return count >= 1;
    }

    /** {@code values} in slices of at most {@link #IN_CHUNK}, for IN lists. */
    static <T> List<List<T>> chunks(List<T> values) {
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < values.size(); i += IN_CHUNK) {
            out.add(values.subList(i, Math.min(values.size(), i + IN_CHUNK)));
        }
        return out;
    }

    /** Carries a SQLException through a callback that cannot throw it; the caller unwraps it with {@link #getCause}. */
    static final class Uncaught extends RuntimeException {
        Uncaught(SQLException cause) {
            super(cause);
        }

        @Override
        public synchronized SQLException getCause() {
            return (SQLException) super.getCause();
        }
    }
}
