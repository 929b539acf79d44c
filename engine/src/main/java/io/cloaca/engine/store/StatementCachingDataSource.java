package io.cloaca.engine.store;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * SQLite connections that keep their prepared statements. The driver compiles the SQL on every
 * {@code prepareStatement}, and neither it nor HikariCP caches statements: the engine's writers, which
 * prepare each statement where they use it, spent a fifth of the single writer lane's time compiling the
 * same few dozen statements again (JFR, one-task workflows on synchronous=NORMAL). Here a connection
 * hands back the statement it compiled before for the same SQL, its parameters and batch cleared and
 * its result set closed when the caller closed it. A statement still open (the same SQL prepared twice
 * at once) gets a fresh, uncached one. At most {@link #PER_CONNECTION} statements are kept per
 * connection, least recently used first out; closing the connection closes them.
 */
final class StatementCachingDataSource implements DataSource {

    static final int PER_CONNECTION = 64;

    private final DataSource driver;

    StatementCachingDataSource(DataSource driver) {
        this.driver = driver;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return caching(driver.getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return caching(driver.getConnection(username, password));
    }

    private static Connection caching(Connection connection) {
        return (Connection) Proxy.newProxyInstance(StatementCachingDataSource.class.getClassLoader(),
                new Class<?>[] {Connection.class}, new CachingConnection(connection));
    }

    /** One physical connection and the statements it compiled, by SQL. */
    private static final class CachingConnection implements InvocationHandler {
        private final Connection connection;
        private final Map<String, Cached> statements = new LinkedHashMap<>(16, 0.75f, true);

        CachingConnection(Connection connection) {
            this.connection = connection;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            if (name.equals("prepareStatement") && args.length == 1) {
                return prepare(proxy, (String) args[0]);
            }
            if (name.equals("close")) {
                closeAll();
            }
            return forward(connection, method, args);
        }

        private synchronized PreparedStatement prepare(Object proxy, String sql) throws SQLException {
            Cached cached = statements.get(sql);
            if (cached != null && cached.inUse) {
                return connection.prepareStatement(sql); // the same SQL twice at once: this one is not kept
            }
            if (cached == null) {
                cached = new Cached(connection.prepareStatement(sql));
                statements.put(sql, cached);
                evictBeyondLimit();
            }
            cached.inUse = true;
            return (PreparedStatement) Proxy.newProxyInstance(StatementCachingDataSource.class.getClassLoader(),
                    new Class<?>[] {PreparedStatement.class}, new Lease(this, sql, cached, (Connection) proxy));
        }

        /**
         * A caller closed its lease: the statement is kept for the next caller if it can be made as good as
         * new (the driver closes a statement whose execution failed), otherwise dropped and closed.
         */
        synchronized void giveBack(String sql, Cached cached) {
            cached.inUse = false;
            if (cached.evicted || !cached.reset()) {
                statements.remove(sql, cached);
                cached.closeQuietly();
            }
        }

        private void evictBeyondLimit() {
            var oldest = statements.entrySet().iterator();
            while (statements.size() > PER_CONNECTION && oldest.hasNext()) {
                Cached evicted = oldest.next().getValue();
                oldest.remove();
                if (evicted.inUse) {
                    evicted.evicted = true; // closed when its caller closes it
                } else {
                    evicted.closeQuietly();
                }
            }
        }

        private synchronized void closeAll() {
            statements.values().forEach(Cached::closeQuietly);
            statements.clear();
        }
    }

    /** A compiled statement and whether a caller holds it. */
    private static final class Cached {
        final PreparedStatement statement;
        boolean inUse;
        boolean evicted;

        Cached(PreparedStatement statement) {
            this.statement = statement;
        }

        /** Makes the statement as good as newly prepared; false if it cannot be. */
        boolean reset() {
            try {
                if (statement.isClosed()) {
                    return false;
                }
                statement.clearParameters();
                statement.clearBatch();
                return true;
            } catch (SQLException e) {
                return false;
            }
        }

        void closeQuietly() {
            try {
                statement.close();
            } catch (SQLException ignored) {
                // closing a statement of a connection that is going away
            }
        }
    }

    /** One caller's use of a cached statement, from prepareStatement to close. */
    private static final class Lease implements InvocationHandler {
        private final CachingConnection owner;
        private final String sql;
        private final Cached cached;
        private final Connection connection;
        /** The last result set handed out: closed with the lease, so that no read stays open. */
        private ResultSet results;
        private boolean closed;

        Lease(CachingConnection owner, String sql, Cached cached, Connection connection) {
            this.owner = owner;
            this.sql = sql;
            this.cached = cached;
            this.connection = connection;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            switch (method.getName()) {
                case "close" -> {
                    if (!closed) {
                        closed = true;
                        closeResults();
                        owner.giveBack(sql, cached);
                    }
                    return null;
                }
                case "isClosed" -> {
                    return closed || cached.statement.isClosed();
                }
                case "getConnection" -> {
                    return connection;
                }
                default -> {
                    if (closed) {
                        throw new SQLException("PreparedStatement is closed");
                    }
                    Object result = forward(cached.statement, method, args);
                    if (result instanceof ResultSet rs) {
                        results = rs;
                    }
                    return result;
                }
            }
        }

        private void closeResults() {
            if (results != null) {
                try {
                    results.close();
                } catch (SQLException ignored) {
                    // the statement is reset or dropped next in any case
                }
            }
        }
    }

    private static Object forward(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return driver.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        driver.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        driver.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return driver.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return driver.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        return type.isInstance(this) ? type.cast(this) : driver.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
        return type.isInstance(this) || driver.isWrapperFor(type);
    }
}
