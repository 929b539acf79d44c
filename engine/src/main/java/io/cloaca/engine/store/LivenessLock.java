package io.cloaca.engine.store;

import io.cloaca.engine.CloacaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * A lock this process holds on one database for as long as it lives, which the database server or the
 * operating system releases when the process dies, however it dies. Claims name the lock's
 * {@link #owner()}; a runner that finds a claim whose owner's lock is free knows that the claiming
 * process is gone and recovers the claim at once instead of waiting for its lease.
 *
 * <ul>
 *   <li>PostgreSQL: a session-level advisory lock on a random 63-bit key, held by one dedicated
 *       connection (outside the pool, so pool housekeeping never closes it). Others learn which owners
 *       are alive by reading {@code pg_locks}: a read, with no lock of theirs taken even briefly. When
 *       the connection is lost (server restart) {@link #check()} takes the same key again.</li>
 *   <li>SQLite: an OS file lock on {@code <database>-owners/<owner>.lock}; a prober that can lock an
 *       owner's file deletes it, since that owner is gone. A {@code :memory:} database is private to
 *       this process, so there no other owner can be alive.</li>
 * </ul>
 *
 * One lock per database per runner pool, whatever the number of runners (tenants) sharing it.
 */
public abstract sealed class LivenessLock implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LivenessLock.class);

    /** Owners held by this JVM: alive by definition, and never probed (a probe could disturb our own lock). */
    private static final Set<String> HELD = ConcurrentHashMap.newKeySet();

    private final String owner;

    private LivenessLock(String owner) {
        this.owner = owner;
        HELD.add(owner);
    }

    /** Takes a new liveness lock on {@code database}. */
    public static LivenessLock open(Database database) {
        if (database.url() instanceof DatabaseUrl.Postgres pg) {
            return new Postgres(database, pg);
        }
        DatabaseUrl.Sqlite sqlite = (DatabaseUrl.Sqlite) database.url();
        return sqlite.inMemory() ? new InProcess() : new OwnerFile(sqlite.file());
    }

    /** The id claims carry: unique among the live owners of the database, and never reused. */
    public String owner() {
        return owner;
    }

    /**
     * Those of {@code owners} whose lock is free: their process is gone. Owners this engine cannot
     * judge (claims written before owners existed, foreign values) count as alive, so only their lease
     * decides.
     */
    public Set<String> deadAmong(Collection<String> owners) {
        Set<String> unknown = new HashSet<>();
        for (String o : owners) {
            if (o != null && !HELD.contains(o)) {
                unknown.add(o);
            }
        }
        return unknown.isEmpty() ? Set.of() : probe(unknown);
    }

    abstract Set<String> probe(Set<String> owners);

    /**
     * Whether {@link #liveOwners()} can list the owners alive on the database: then one query watches
     * every process for the whole database, instead of one per schema for the owners of its claims.
     */
    public boolean listsOwners() {
        return false;
    }

    /**
     * The owners whose process holds its lock on the database now (this one's included), or empty when
     * this lock cannot list them or cannot judge at the moment (PostgreSQL just restarted: live processes
     * are taking their locks again).
     */
    public Optional<Set<String>> liveOwners() {
        return Optional.empty();
    }

    /**
     * How long a live owner may be seen without its lock: the time it takes to take it again after
     * losing it. An owner seen free for less than this may still be alive. Zero for OS file locks, which
     * a live process never loses; on PostgreSQL the lock goes with its connection and is taken again at
     * the next check (every 2 s) once the process reconnects.
     */
    public Duration relockWindow() {
        return Duration.ZERO;
    }

    /** Takes the lock again if it was lost (a PostgreSQL connection cut); cheap when it is held. */
    public void check() {
    }

    @Override
    public void close() {
        HELD.remove(owner);
        release();
    }

    abstract void release();

    /** {@code :memory:}: nobody outside this process can see the database. */
    private static final class InProcess extends LivenessLock {
        InProcess() {
            super(UUID.randomUUID().toString());
        }

        @Override
        Set<String> probe(Set<String> owners) {
            return owners;
        }

        @Override
        void release() {
        }
    }

    /** SQLite file: an OS lock on a file of our own in a directory beside the database. */
    private static final class OwnerFile extends LivenessLock {
        private static final Pattern OWNER = Pattern.compile("[0-9a-f-]{36}");
        private final Path directory;
        private final Path file;
        private final FileChannel channel;
        private final FileLock lock;

        OwnerFile(Path database) {
            super(UUID.randomUUID().toString());
            this.directory = database.toAbsolutePath().resolveSibling(database.getFileName() + "-owners");
            this.file = directory.resolve(owner() + ".lock");
            try {
                this.channel = createInDirectory(directory, file);
                this.lock = channel.lock();
            } catch (IOException e) {
                HELD.remove(owner());
                throw CloacaException.storage("Cannot take the liveness lock " + file + ": " + e.getMessage(), e);
            }
        }

        /** Creates {@code file}, and its directory, which the last owner to leave removes, if need be again. */
        private static FileChannel createInDirectory(Path directory, Path file) throws IOException {
            for (int attempt = 1; ; attempt++) {
                Files.createDirectories(directory);
                try {
                    return FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                } catch (NoSuchFileException removedMeanwhile) {
                    if (attempt == 3) {
                        throw removedMeanwhile;
                    }
                }
            }
        }

        @Override
        Set<String> probe(Set<String> owners) {
            Set<String> dead = new HashSet<>();
            for (String o : owners) {
                if (OWNER.matcher(o).matches() && isFree(directory.resolve(o + ".lock"))) {
                    dead.add(o);
                }
            }
            return dead;
        }

        private static boolean isFree(Path path) {
            try (FileChannel probe = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                FileLock taken = probe.tryLock();
                if (taken == null) {
                    return false;
                }
                // The owner is gone for good (its id is never reused): its file goes too.
                Files.deleteIfExists(path);
                taken.release();
                return true;
            } catch (NoSuchFileException gone) {
                return true;
            } catch (OverlappingFileLockException heldHere) {
                return false;
            } catch (IOException e) {
                LOG.warn("Cannot probe liveness lock {} ({}); its claims wait for their lease", path, e.getMessage());
                return false;
            }
        }

        @Override
        void release() {
            try {
                Files.deleteIfExists(file);
                lock.release();
                channel.close();
                // The last owner to leave takes the directory too, so that none is left beside the database.
                Files.deleteIfExists(directory);
            } catch (DirectoryNotEmptyException othersRemain) {
                // another owner's file, live or left by a killed process for the next probe to remove
            } catch (IOException e) {
                LOG.debug("Liveness lock {} not cleaned up: {}", file, e.getMessage());
            }
        }
    }

    /** PostgreSQL: a session-level advisory lock on one dedicated connection. */
    private static final class Postgres extends LivenessLock {
        /**
         * How long after the server starts a missing lock proves nothing: every live process lost its
         * lock with the restart and takes it again at its next check (every 2 s) once it reconnects.
         */
        static final Duration RELOCK_GRACE = Duration.ofSeconds(10);
        /** Two checks apart: a process that lost only its liveness connection has locked again by then. */
        static final Duration RELOCK_WINDOW = Duration.ofSeconds(4);

        private final Database database;
        private final DatabaseUrl.Postgres url;
        private final long key;
        private Connection connection;

        private record Taken(long key, Connection connection) {
        }

        Postgres(Database database, DatabaseUrl.Postgres url) {
            this(database, url, freeKey(url));
        }

        private Postgres(Database database, DatabaseUrl.Postgres url, Taken taken) {
            super(Long.toString(taken.key()));
            this.database = database;
            this.url = url;
            this.key = taken.key();
            this.connection = taken.connection();
        }

        /** A random key no live session holds, locked on a new connection. */
        private static Taken freeKey(DatabaseUrl.Postgres url) {
            try {
                Connection c = connect(url);
                try {
                    while (true) {
                        long key = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
                        if (tryLock(c, key)) {
                            return new Taken(key, c);
                        }
                    }
                } catch (SQLException | RuntimeException e) {
                    c.close();
                    throw e;
                }
            } catch (SQLException e) {
                throw CloacaException.storage("Cannot take the liveness lock on " + url.redacted() + ": "
                        + Database.rootMessage(e), e);
            }
        }

        private static Connection connect(DatabaseUrl.Postgres url) throws SQLException {
            Properties props = new Properties();
            if (url.user() != null) {
                props.setProperty("user", url.user());
            }
            if (url.password() != null) {
                props.setProperty("password", url.password());
            }
            props.setProperty("ApplicationName", "cloaca-liveness");
            props.setProperty("tcpKeepAlive", "true");
            return DriverManager.getConnection(url.jdbcUrl(), props);
        }

        private static boolean tryLock(Connection c, long key) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                ps.setLong(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getBoolean(1);
                }
            }
        }

        /**
         * Owners whose key no session of this database holds. A bigint advisory key shows in pg_locks as
         * its high half in classid and its low half in objid, with objsubid 1.
         */
        @Override
        Set<String> probe(Set<String> owners) {
            record Seen(Set<Long> live, boolean justStarted) {
            }
            Seen seen = database.read(c -> {
                boolean justStarted;
                try (PreparedStatement ps = c.prepareStatement("SELECT clock_timestamp() - pg_postmaster_start_time()"
                        + " < make_interval(secs => ?)")) {
                    ps.setLong(1, RELOCK_GRACE.toSeconds());
                    justStarted = Rows.list(ps, rs -> rs.getBoolean(1)).get(0);
                }
                try (PreparedStatement ps = c.prepareStatement("SELECT (classid::bigint << 32) | objid::bigint"
                        + " FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted"
                        + " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
                    return new Seen(new HashSet<>(Rows.list(ps, rs -> rs.getLong(1))), justStarted);
                }
            });
            Set<Long> live = seen.live();
            Set<String> dead = new HashSet<>();
            for (String o : owners) {
                try {
                    if (!live.contains(Long.parseLong(o))) {
                        dead.add(o);
                    }
                } catch (NumberFormatException foreign) {
                    // not an owner this engine wrote: its lease decides
                }
            }
            if (!dead.isEmpty() && seen.justStarted()) {
                // A server restart ends every session: live processes are taking their locks again (each
                // within 2 s of the server's return). Judging them dead now would re-run their tasks.
                LOG.info("PostgreSQL started less than {} s ago: {} claim owner(s) without a liveness lock may be"
                        + " taking it again, so they count as alive until then", RELOCK_GRACE.toSeconds(), dead.size());
                return Set.of();
            }
            return dead;
        }

        @Override
        public boolean listsOwners() {
            return true;
        }

        /**
         * The keys of the advisory locks held by engines' liveness connections (named
         * {@code cloaca-liveness}), so that other advisory locks (Flyway's, an application's) coming and
         * going are not taken for processes.
         */
        @Override
        public Optional<Set<String>> liveOwners() {
            return database.read(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT clock_timestamp() - pg_postmaster_start_time()"
                        + " < make_interval(secs => ?)")) {
                    ps.setLong(1, RELOCK_GRACE.toSeconds());
                    if (Rows.list(ps, rs -> rs.getBoolean(1)).get(0)) {
                        return Optional.<Set<String>>empty();
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("SELECT (l.classid::bigint << 32) | l.objid::bigint"
                        + " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                        + " WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted"
                        + " AND a.application_name = 'cloaca-liveness'"
                        + " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
                    return Optional.<Set<String>>of(new HashSet<>(Rows.list(ps, rs -> Long.toString(rs.getLong(1)))));
                }
            });
        }

        @Override
        public Duration relockWindow() {
            return RELOCK_WINDOW;
        }

        @Override
        public synchronized void check() {
            try {
                if (connection != null && connection.isValid(5)) {
                    return;
                }
            } catch (SQLException e) {
                // treated as lost below
            }
            closeConnection();
            try {
                Connection c = connect(url);
                if (tryLock(c, key)) {
                    connection = c;
                    LOG.warn("Liveness lock {} taken again after its connection was lost", key);
                } else {
                    // The server has not yet noticed that the old session is gone; it still holds the key.
                    c.close();
                }
            } catch (SQLException e) {
                LOG.warn("Liveness lock {} lost and not yet taken again: {}", key, Database.rootMessage(e));
            }
        }

        private void closeConnection() {
            if (connection != null) {
                try {
                    connection.close();
                } catch (SQLException ignored) {
                    // the session is gone either way, and with it the lock
                }
                connection = null;
            }
        }

        @Override
        synchronized void release() {
            closeConnection();
        }
    }
}
