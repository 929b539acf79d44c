package io.cloaca.engine.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/** The few JDBC chores the stores repeat: reading rows into a list, and binding an IN list. */
public final class Rows {

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
}
