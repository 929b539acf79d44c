package io.cloaca.engine.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatementCachingDataSourceTest {

    @TempDir
    Path dir;

    private Connection open() throws SQLException {
        SQLiteDataSource sqlite = new SQLiteDataSource();
        sqlite.setUrl("jdbc:sqlite:" + dir.resolve("cache.db"));
        Connection c = new StatementCachingDataSource(sqlite).getConnection();
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)");
            st.execute("DELETE FROM t");
            st.execute("INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')");
        }
        return c;
    }

    private static PreparedStatement compiled(PreparedStatement leased) throws SQLException {
        return leased.unwrap(PreparedStatement.class);
    }

    @Test
    void a_closed_statement_comes_back_for_the_same_sql_as_good_as_new() throws SQLException {
        try (Connection c = open()) {
            String sql = "SELECT v FROM t WHERE id >= ? ORDER BY id";
            PreparedStatement first = c.prepareStatement(sql);
            PreparedStatement compiled = compiled(first);
            first.setInt(1, 1);
            ResultSet rows = first.executeQuery();
            assertTrue(rows.next()); // left open, partly read, as a caller may
            first.close();
            assertTrue(first.isClosed());
            assertThrows(SQLException.class, () -> first.setInt(1, 2), "a closed lease refuses use");

            try (PreparedStatement second = c.prepareStatement(sql)) {
                assertSame(compiled, compiled(second), "not compiled again");
                second.setInt(1, 2);
                List<String> values = new ArrayList<>();
                try (ResultSet rs = second.executeQuery()) {
                    while (rs.next()) {
                        values.add(rs.getString(1));
                    }
                }
                assertEquals(List.of("b", "c"), values);
            }
        }
    }

    @Test
    void a_statement_whose_execution_failed_is_not_handed_out_again() throws SQLException {
        try (Connection c = open()) {
            String sql = "INSERT INTO t (id, v) VALUES (?, ?)";
            try (PreparedStatement duplicate = c.prepareStatement(sql)) {
                duplicate.setInt(1, 1);
                duplicate.setString(2, "again");
                assertThrows(SQLException.class, duplicate::executeUpdate, "id 1 exists");
            }
            try (PreparedStatement next = c.prepareStatement(sql)) {
                next.setInt(1, 4);
                next.setString(2, "d");
                assertEquals(1, next.executeUpdate());
            }
            try (PreparedStatement unbound = c.prepareStatement(sql)) {
                unbound.setInt(1, 5);
                assertEquals(1, unbound.executeUpdate()); // SQLite binds NULL to what is left unset
            }
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT v FROM t WHERE id = 5")) {
                assertTrue(rs.next());
                assertEquals(null, rs.getString(1), "the earlier value of v was cleared, not reused");
            }
        }
    }

    @Test
    void the_same_sql_prepared_twice_at_once_gets_two_statements() throws SQLException {
        try (Connection c = open()) {
            String sql = "UPDATE t SET v = ? WHERE id = ?";
            try (PreparedStatement a = c.prepareStatement(sql); PreparedStatement b = c.prepareStatement(sql)) {
                assertNotSame(compiled(a), compiled(b));
                a.setString(1, "x");
                a.setInt(2, 1);
                b.setString(1, "y");
                b.setInt(2, 2);
                assertEquals(1, a.executeUpdate());
                assertEquals(1, b.executeUpdate());
            }
        }
    }

    @Test
    void the_least_recently_used_beyond_the_limit_and_all_at_close_are_closed() throws SQLException {
        Connection c = open();
        PreparedStatement oldest = c.prepareStatement("SELECT 0");
        PreparedStatement compiledOldest = compiled(oldest);
        oldest.close();
        for (int i = 1; i <= StatementCachingDataSource.PER_CONNECTION; i++) {
            c.prepareStatement("SELECT " + i).close();
        }
        assertTrue(compiledOldest.isClosed(), "evicted and closed");
        PreparedStatement kept = c.prepareStatement("SELECT 1");
        PreparedStatement compiledKept = compiled(kept);
        kept.close();
        assertFalse(compiledKept.isClosed());
        c.close();
        assertTrue(compiledKept.isClosed(), "closing the connection closes what it kept");
    }
}
