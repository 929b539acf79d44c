package io.cloaca.engine.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.cloaca.engine.CloacaException;
import org.postgresql.ds.PGSimpleDataSource;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import javax.sql.DataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * A connection pool on one database, with its dialect and the one way to run a transaction. SQLite
 * files are opened in WAL mode with a busy timeout and foreign keys on; an in-memory URL becomes a
 * private temporary file so that every pooled connection sees the same data (deleted on close).
 */
public final class Database implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Database.class);

    /** How long a SQLite connection waits for another process's write lock before failing. */
    public static final int SQLITE_BUSY_TIMEOUT_MS = 30_000;

    /** Why another process cannot read an in-memory URL. */
    public static final String IN_MEMORY_IS_PRIVATE =
            "an in-memory database belongs to the process that made it; give a file or PostgreSQL URL";

    /**
     * How long opening a PostgreSQL connection may take (TCP connect, TLS and login each), unless the
     * URL sets {@code connect_timeout}.
     */
    public static final java.time.Duration CONNECT_TIMEOUT = java.time.Duration.ofSeconds(10);

    private final DatabaseUrl url;
    private final Dialect dialect;
    private final HikariDataSource pool;
    /** Removes what this pool leaves on disk once it is closed: a temporary file, a reader's WAL files. */
    private final Runnable afterClose;
    private final GroupCommit groupCommit;
    /** SQLite only: checkpoints off the writer lane; null on PostgreSQL. */
    private final WalCheckpointer checkpointer;
    /** Flyway's connections (PostgreSQL), opened on the first migration; guarded by {@code this}. */
    private HikariDataSource migrationPool;
    /** Flyway holds a main and a migration connection at once. */
    private static final int MIGRATION_CONNECTIONS = 2;
    /** How long unused migration connections stay open (HikariCP's shortest idle timeout). */
    private static final java.time.Duration MIGRATION_IDLE = java.time.Duration.ofSeconds(10);

    private Database(DatabaseUrl url, Dialect dialect, HikariDataSource pool, Runnable afterClose) {
        this.url = url;
        this.dialect = dialect;
        this.pool = pool;
        this.afterClose = afterClose;
        this.groupCommit = new GroupCommit(pool, dialect.singleWriter() ? 1 : groupCommitLanes(pool));
        this.checkpointer = dialect.singleWriter() ? new WalCheckpointer(pool, pool.getPoolName()) : null;
    }

    /**
     * Batches that may run at once on PostgreSQL: up to four, within half the pool, which also serves
     * reads and claims. Two starved the writers: a submit waited for a lane behind the workers' finishes
     * and then for its batch, and a single submitting thread could go no faster than that (see
     * docs/benchmarks.md, "Group-commit lanes"). PostgreSQL itself flushes commits that arrive together
     * with one WAL flush, so more lanes cost little fsync.
     */
    private static int groupCommitLanes(HikariDataSource pool) {
        return Math.max(1, Math.min(4, pool.getMaximumPoolSize() / 2));
    }

    /**
     * Opens a pool and checks that the database answers.
     *
     * @param poolSize      maximum connections
     * @param sqliteDurable SQLite only: {@code synchronous=FULL} when true, {@code NORMAL} when false
     * @throws CloacaException (STORAGE) naming the database and the cause when it cannot be reached
     */
    public static Database open(DatabaseUrl url, int poolSize, boolean sqliteDurable) {
        if (url instanceof DatabaseUrl.Sqlite sqlite) {
            return openSqlite(sqlite, poolSize, sqliteDurable, false);
        }
        return openPostgres((DatabaseUrl.Postgres) url, poolSize);
    }

    /**
     * As {@link #open}, for tools that only read another process's database ({@code cloaca executions},
     * {@code cloaca ui}): a SQLite file is opened read-only and its journal mode left as it is, so that
     * the file is never created or changed (setting WAL mode would turn an empty file into a database).
     * SQLite's own {@code -wal} and {@code -shm} files, which a reader of a WAL database that no runner has
     * open must create, are removed on close as a runner's last connection removes them. PostgreSQL opens
     * as usual.
     *
     * @throws CloacaException (INVALID_ARGUMENT) for an in-memory URL (a fresh one is empty); (STORAGE)
     *                         when the file does not exist or the server cannot be reached
     */
    public static Database openReadOnly(DatabaseUrl url, int poolSize) {
        if (url instanceof DatabaseUrl.Sqlite sqlite) {
            if (sqlite.inMemory()) {
                throw CloacaException.invalidArgument(IN_MEMORY_IS_PRIVATE);
            }
            if (!Files.isRegularFile(sqlite.file())) {
                throw CloacaException.storage("no SQLite database at " + sqlite.file()
                        + " (a runner creates it when it first opens that URL)", null);
            }
            if (!sqliteHeader(sqlite.file())) {
                throw CloacaException.storage(sqlite.file() + " is not a SQLite database", null);
            }
            return openSqlite(sqlite, poolSize, false, true);
        }
        return openPostgres((DatabaseUrl.Postgres) url, poolSize);
    }

    /** Whether {@code file} is empty (SQLite reads that as a database with nothing in it) or starts as SQLite's do. */
    private static boolean sqliteHeader(Path file) {
        byte[] magic = "SQLite format 3\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (var in = Files.newInputStream(file)) {
            byte[] start = in.readNBytes(magic.length);
            return start.length == 0 || java.util.Arrays.equals(start, magic);
        } catch (IOException e) {
            throw CloacaException.storage("Cannot read SQLite database '" + file + "': " + e.getMessage(), e);
        }
    }

    private static Database openSqlite(DatabaseUrl.Sqlite url, int poolSize, boolean durable, boolean readOnly) {
        Path file = url.file();
        Path temporary = null;
        if (url.inMemory()) {
            try {
                temporary = Files.createTempFile("cloaca-memory-", ".db");
                // close() deletes these; this covers a JVM that exits without closing (daemon threads).
                for (String suffix : new String[] {"", "-wal", "-shm"}) {
                    Path.of(temporary + suffix).toFile().deleteOnExit();
                }
            } catch (IOException e) {
                throw CloacaException.storage("Cannot create the temporary file behind :memory: " + e.getMessage(), e);
            }
            file = temporary;
        } else {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                throw CloacaException.storage("Cannot open SQLite database '" + file + "': directory '" + parent
                        + "' does not exist; create it first or choose another path", null);
            }
        }
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(SQLITE_BUSY_TIMEOUT_MS);
        config.enforceForeignKeys(true);
        config.setSynchronous(durable ? SQLiteConfig.SynchronousMode.FULL : SQLiteConfig.SynchronousMode.NORMAL);
        if (readOnly) {
            config.setReadOnly(true);
        } else {
            config.setJournalMode(SQLiteConfig.JournalMode.WAL);
            config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        }
        // Nothing here reads generated keys; left on, the driver runs a query of its own after every INSERT.
        config.setGetGeneratedKeys(false);
        // The writers checkpoint only as a fallback: WalCheckpointer does it off the writer lane.
        config.setWalAutocheckpoint(WalCheckpointer.FALLBACK_PAGES);
        SQLiteDataSource sqlite = new SQLiteDataSource(config);
        sqlite.setUrl("jdbc:sqlite:" + file);
        HikariConfig hikari = baseConfig("cloaca-sqlite", poolSize);
        // Hikari sets every connection's read-only flag to its own, which SQLite refuses to change once open.
        hikari.setReadOnly(readOnly);
        hikari.setDataSource(new StatementCachingDataSource(sqlite));
        String failure = "Cannot open SQLite database '" + file + "'";
        try {
            Path made = temporary;
            Runnable afterClose = made != null ? () -> deleteTemporary(made)
                    : readOnly ? () -> SqliteReaderFiles.removeIfUnused(url.file()) : () -> { };
            return new Database(url, Dialect.SQLITE, start(hikari, failure), afterClose);
        } catch (CloacaException e) {
            if (readOnly && cannotCreateSharedMemory(file)) {
                throw CloacaException.storage(failure + " to read it: its runners keep it in WAL mode, whose readers "
                        + "need the file '" + file.getFileName() + "-shm' beside it, created by the first to open it, "
                        + "and this user may not create files in '" + file.toAbsolutePath().getParent() + "'; read it "
                        + "as a user who may (the one its runners run as), or while a runner has it open", e);
            }
            throw e;
        }
    }

    /**
     * Why a reader failed where SQLite's own words (a "journal file" or "unable to open database file")
     * would send the user looking at the database: in WAL mode every reader maps the {@code -shm} file, and
     * when no other connection has the database open, the reader must create it.
     */
    private static boolean cannotCreateSharedMemory(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        return parent != null && !Files.exists(Path.of(file + "-shm")) && !Files.isWritable(parent);
    }

    private static Database openPostgres(DatabaseUrl.Postgres url, int poolSize) {
        PGSimpleDataSource postgres = new PGSimpleDataSource();
        postgres.setURL(url.jdbcUrl());
        // Setters after setURL override it: set only what the URL leaves open.
        if (url.jdbcParameter("ApplicationName") == null) {
            postgres.setApplicationName("cloaca");
        }
        if (url.jdbcParameter("tcpKeepAlive") == null) {
            postgres.setTcpKeepAlive(true);
        }
        // One bound for every step of a login (TCP connect, TLS, authentication), so that a server that
        // does not answer is reported after the connect timeout; the URL's own connect_timeout wins.
        String urlTimeout = url.jdbcParameter("connectTimeout");
        int timeoutSeconds = urlTimeout != null && urlTimeout.matches("[0-9]{1,6}")
                ? Integer.parseInt(urlTimeout) : (int) CONNECT_TIMEOUT.toSeconds();
        postgres.setConnectTimeout(timeoutSeconds);
        if (url.jdbcParameter("loginTimeout") == null) {
            postgres.setLoginTimeout(timeoutSeconds);
        }
        if (url.user() != null) {
            postgres.setUser(url.user());
        }
        if (url.password() != null) {
            postgres.setPassword(url.password());
        }
        HikariConfig hikari = baseConfig("cloaca-pg", poolSize);
        hikari.setConnectionTimeout(Math.max(CONNECT_TIMEOUT.toMillis(), timeoutSeconds * 1000L));
        hikari.setDataSource(postgres);
        HikariDataSource pool = start(hikari, "Cannot connect to database " + url.redacted());
        return new Database(url, Dialect.POSTGRESQL, pool, () -> { });
    }

    private static HikariConfig baseConfig(String name, int poolSize) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName(name);
        hikari.setMaximumPoolSize(Math.max(1, poolSize));
        hikari.setMinimumIdle(Math.min(2, Math.max(1, poolSize)));
        hikari.setConnectionTimeout(CONNECT_TIMEOUT.toMillis());
        // start() has checked the database with one connection; the pool fills in the background.
        hikari.setInitializationFailTimeout(-1);
        return hikari;
    }

    /**
     * Opens one connection to check that the database answers, then starts the pool. Hikari's own check
     * would sleep a second after a refused connection before reporting it; this reports the driver's
     * reason at once.
     */
    private static HikariDataSource start(HikariConfig config, String failure) {
        try (Connection ignored = config.getDataSource().getConnection()) {
            // the login succeeded: that is the whole check
        } catch (SQLException e) {
            throw CloacaException.storage(failure + ": " + connectFailure(e), e);
        }
        try {
            return new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw CloacaException.storage(failure + ": " + rootMessage(e), e);
        }
    }

    /** Why a connection could not be made, in the words that point at the fix. */
    static String connectFailure(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.UnknownHostException unknown) {
                return "unknown host '" + unknown.getMessage() + "'";
            }
            if (t instanceof java.net.SocketTimeoutException) {
                return "no answer within the connect timeout (" + t.getMessage() + ")";
            }
            if (t instanceof java.net.ConnectException) {
                // PgJDBC's own sentence names host and port and what to check.
                return e.getMessage();
            }
        }
        return rootMessage(e);
    }

    /** The innermost message of a failure chain, which is the one that names the cause. */
    public static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        if (t.getMessage() == null) {
            return t.getClass().getSimpleName();
        }
        // PostgreSQL prefixes server errors with their severity; the sentence itself is the message.
        return t.getMessage().replaceFirst("^(ERROR|FATAL): ", "");
    }

    /** The group committer: every write on SQLite, execution-keyed writes on PostgreSQL. */
    GroupCommit groupCommit() {
        return groupCommit;
    }

    public Dialect dialect() {
        return dialect;
    }

    public DatabaseUrl url() {
        return url;
    }

    /** SQLite: the checkpointer (for tests); null on PostgreSQL. */
    WalCheckpointer checkpointer() {
        return checkpointer;
    }

    public DataSource dataSource() {
        return pool;
    }

    /**
     * Creates or upgrades the engine's tables, in {@code schema} when given (PostgreSQL). On PostgreSQL
     * Flyway works on connections of its own, because it changes the session's search_path.
     */
    public void migrate(String schema) {
        Migrations.migrate(dialect, url instanceof DatabaseUrl.Postgres ? migrationPool() : pool, schema);
    }

    /**
     * PostgreSQL: the connections Flyway works on (it takes two per run), apart from the main pool so that
     * its search_path changes never reach a pooled connection, yet kept between runs so that provisioning
     * many tenant schemas does not log in twice for each. They close after {@link #MIGRATION_IDLE} unused.
     */
    private synchronized DataSource migrationPool() {
        if (migrationPool == null) {
            HikariConfig hikari = baseConfig(pool.getPoolName() + "-migrate", MIGRATION_CONNECTIONS);
            hikari.setMinimumIdle(0);
            hikari.setIdleTimeout(MIGRATION_IDLE.toMillis());
            hikari.setConnectionTimeout(pool.getConnectionTimeout());
            hikari.setDataSource(pool.getDataSource());
            migrationPool = new HikariDataSource(hikari);
        }
        return migrationPool;
    }

    /**
     * Runs {@code work} in one transaction: commit on return, rollback on any failure. A failure that
     * says the connection or server went away (or SQLite stayed locked past its busy timeout) is retried
     * with backoff for up to {@link #TRANSIENT_RETRY_BUDGET}: the rolled-back transaction is simply run
     * again on a fresh connection, so a database restart delays the engine instead of failing it.
     */
    public <T> T inTransaction(SqlWork<T> work) {
        return withRetry(() -> transactionOnce(null, (c, whole) -> work.run(c)));
    }

    /**
     * As {@link #inTransaction(SqlWork)}, for work that writes only the rows of one execution and locks
     * that execution's row before any other (or creates it): such transactions are committed together
     * when they arrive at once, on PostgreSQL too, in the order of their execution ids, which keeps
     * concurrent batches from deadlocking one another (see {@link GroupCommit}). Each is retried on its
     * own after a transient failure, as {@link #inTransaction(SqlWork)} is.
     */
    public <T> T inExecutionTransaction(String executionId, SqlWork<T> work) {
        return inExecutionTransaction(executionId, (c, whole) -> work.run(c));
    }

    /**
     * As {@link #inExecutionTransaction(String, SqlWork)}, for work that may send the commit itself. Told it
     * is the whole transaction, work may skip the execution's lock (see {@code TaskCompletion.unlockedStep}):
     * alone in its batch, it holds no other execution's locks that a wait could tie into a cycle.
     */
    <T> T inExecutionTransaction(String executionId, ClosingWork<T> work) {
        java.util.Objects.requireNonNull(executionId, "executionId");
        return withRetry(() -> transactionOnce(executionId, work));
    }

    /** Runs read-only {@code work} on an auto-commit connection, retried like {@link #inTransaction}. */
    public <T> T read(SqlWork<T> work) {
        return withRetry(() -> {
            try (Connection connection = pool.getConnection()) {
                return work.run(connection);
            }
        });
    }

    /** How long transient failures are retried before they are reported. */
    public static final java.time.Duration TRANSIENT_RETRY_BUDGET = java.time.Duration.ofSeconds(60);

    private interface Attempt<T> {
        T run() throws SQLException;
    }

    private <T> T withRetry(Attempt<T> attempt) {
        long deadline = System.nanoTime() + TRANSIENT_RETRY_BUDGET.toNanos();
        long backoffMillis = 50;
        while (true) {
            try {
                return attempt.run();
            } catch (SQLException e) {
                if (!isTransient(e) || System.nanoTime() + backoffMillis * 1_000_000 > deadline || pool.isClosed()) {
                    throw CloacaException.storage("Database error: " + rootMessage(e) + hint(e), e);
                }
                LOG.warn("Database unavailable ({}); retrying in {} ms", rootMessage(e), backoffMillis);
                try {
                    Thread.sleep(backoffMillis);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw CloacaException.storage("Interrupted while waiting for the database: " + rootMessage(e), e);
                }
                backoffMillis = Math.min(backoffMillis * 2, 2_000);
            }
        }
    }

    /**
     * What an operator should know about a failure that is not retried, beyond the driver's words:
     * the engine's tables gone (a schema dropped under a running runner) or a full disk. Empty otherwise.
     */
    static String hint(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState();
                String message = String.valueOf(sql.getMessage());
                if ("42P01".equals(state) || "3F000".equals(state) || message.contains("no such table")) {
                    return " (the engine's tables are missing: was the schema or its tables dropped while the"
                            + " runner ran? Nothing was written; a runner opened anew creates them again)";
                }
                if ("53100".equals(state) || sql.getErrorCode() == 13) { // disk_full, SQLITE_FULL
                    return " (the disk is full or the database reached its size limit: nothing of this"
                            + " transaction was written; the engine goes on once there is space again)";
                }
            }
        }
        return "";
    }

    /** Connection loss, server shutdown, serialization conflicts, SQLite busy/locked. */
    static boolean isTransient(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLTransientException || t instanceof java.sql.SQLRecoverableException) {
                return true;
            }
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState();
                if (state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
                        || state.equals("57P03") || state.equals("40001") || state.equals("40P01")
                        || state.equals("53300"))) {
                    return true;
                }
                int code = sql.getErrorCode();
                if (code == 5 || code == 6) { // SQLITE_BUSY, SQLITE_LOCKED
                    return true;
                }
            }
        }
        return false;
    }

    private <T> T transactionOnce(String executionId, ClosingWork<T> work) throws SQLException {
        if (dialect.singleWriter()) {
            // SQLite: every write goes through the one lane; each commit counts toward the next checkpoint.
            T result = groupCommit.run(executionId, work);
            checkpointer.committed();
            return result;
        }
        // On PostgreSQL, work without a lock key runs alone: batched after another execution's work it
        // could take its locks out of order (a deadlock that the server would break after a second).
        if (executionId != null) {
            return groupCommit.run(executionId, work);
        }
        try (Connection connection = pool.getConnection()) {
            return inTransaction(connection, c -> work.run(c, true));
        }
    }

    /**
     * Runs {@code work} as one transaction on {@code connection}: commit on return, rollback on any
     * failure (a failed rollback is attached to the cause, never hides it), auto-commit restored.
     */
    public static <T> T inTransaction(Connection connection, SqlWork<T> work) throws SQLException {
        connection.setAutoCommit(false);
        try {
            T result = work.run(connection);
            connection.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            try {
                connection.rollback();
            } catch (SQLException rollbackFailure) {
                e.addSuppressed(rollbackFailure);
            }
            throw e;
        } finally {
            try {
                connection.setAutoCommit(true);
            } catch (SQLException ignored) {
                // a broken connection: the pool evicts it on return
            }
        }
    }

    @Override
    public void close() {
        if (checkpointer != null) {
            checkpointer.close();
        }
        synchronized (this) {
            if (migrationPool != null) {
                migrationPool.close();
            }
        }
        pool.close();
        afterClose.run();
    }

    private static void deleteTemporary(Path temporaryFile) {
        for (String suffix : new String[] {"", "-wal", "-shm"}) {
            try {
                Files.deleteIfExists(Path.of(temporaryFile + suffix));
            } catch (IOException ignored) {
                // a leftover temp file is harmless and the OS cleans its temp dir
            }
        }
    }
}
