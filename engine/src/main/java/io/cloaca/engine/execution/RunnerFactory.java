package io.cloaca.engine.execution;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.store.Database;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.tenancy.Identifiers;
import io.cloaca.engine.workflow.WorkflowRegistry;

import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Opens runners over one {@link WorkflowRegistry}, sharing a pool and workers between runners on the
 * same database and login (for example every tenant schema of one PostgreSQL database). Owned by a
 * runtime (a Python script, an application); {@link #close()} shuts down every runner it opened.
 *
 * <pre>{@code
 * try (RunnerFactory runners = new RunnerFactory(registry)) {
 *     Runner acme = runners.openSchema("postgresql://app@db:5432/app", "acme", RunnerConfig.DEFAULT);
 *     Runner globex = runners.openSchema("postgresql://app@db:5432/app", "globex", RunnerConfig.DEFAULT);
 *     // acme and globex share one connection pool and one set of workers
 * }
 * }</pre>
 */
public final class RunnerFactory implements AutoCloseable {

    /** What runners must have in common to share resources; in-memory SQLite URLs never match. */
    private record Key(Object location, int workers, int poolSize, boolean sqliteDurable) {
    }

    private final WorkflowRegistry registry;
    private final Clock clock;
    private final boolean backgroundMaintenance;
    private final Map<Key, SharedResources> shared = new HashMap<>();
    private final Set<Runner> open = ConcurrentHashMap.newKeySet();
    private final TaskListeners listeners = new TaskListeners();
    private volatile Path workingDirectory;

    public RunnerFactory(WorkflowRegistry registry) {
        this(registry, Clock.systemUTC());
    }

    public RunnerFactory(WorkflowRegistry registry, Clock clock) {
        this(registry, clock, true);
    }

    /**
     * @param clock                 the runners' clock (a settable one in tests: it also shifts the
     *                              database time that leases are measured on, see {@code ExecutionStore})
     * @param backgroundMaintenance false: no heartbeats, sweeps or polls run on their own, only when
     *                              {@link Runner#runMaintenanceOnce()} is called (for deterministic tests)
     */
    public RunnerFactory(WorkflowRegistry registry, Clock clock, boolean backgroundMaintenance) {
        this.registry = registry;
        this.clock = clock;
        this.backgroundMaintenance = backgroundMaintenance;
    }

    /**
     * Resolves relative SQLite file paths against {@code directory} instead of this process's working
     * directory (a host running scripts on behalf of other processes, each with its own folder).
     */
    public void workingDirectory(Path directory) {
        this.workingDirectory = directory;
    }

    public WorkflowRegistry registry() {
        return registry;
    }

    /**
     * Opens a runner on {@code url}; a PostgreSQL URL may pin a schema with {@code ?schema=name}.
     *
     * @throws CloacaException INVALID_ARGUMENT for a bad URL or schema name, STORAGE when the database
     *     cannot be reached or migrated
     */
    public Runner open(String url, RunnerConfig config) {
        DatabaseUrl parsed = DatabaseUrl.parse(url);
        String schema = parsed instanceof DatabaseUrl.Postgres pg && pg.schema() != null
                ? Identifiers.schema(pg.schema()) : null;
        return open(parsed, schema, config);
    }

    /**
     * Opens a runner whose tables live in PostgreSQL schema {@code schema}, creating and migrating
     * the schema if needed.
     *
     * @throws CloacaException INVALID_ARGUMENT for an invalid name, a non-PostgreSQL URL or one whose
     *     {@code ?schema=} names another schema
     */
    public Runner openSchema(String url, String schema, RunnerConfig config) {
        Identifiers.schema(schema);
        DatabaseUrl parsed = DatabaseUrl.parse(url);
        if (!(parsed instanceof DatabaseUrl.Postgres pg)) {
            throw CloacaException.invalidArgument("Schema-based multi-tenancy requires PostgreSQL. SQLite does not "
                    + "support database schemas. Use a PostgreSQL URL like 'postgres://user:pass@host/db'");
        }
        return open(pg.pinnedTo(schema), schema, config);
    }

    private Runner open(DatabaseUrl given, String schema, RunnerConfig config) {
        Path base = workingDirectory;
        DatabaseUrl url = base != null && given instanceof DatabaseUrl.Sqlite sqlite && !sqlite.inMemory()
                && !sqlite.file().isAbsolute() ? new DatabaseUrl.Sqlite(base.resolve(sqlite.file())) : given;
        Key key = keyOf(url, config);
        SharedResources resources = acquire(key, url, config);
        try {
            resources.ensureMigrated(schema);
            Runner runner = new Runner(resources, schema, registry, config, clock, backgroundMaintenance, listeners, r -> {
                open.remove(r);
                release(key, resources);
            });
            open.add(runner);
            return runner;
        } catch (RuntimeException e) {
            release(key, resources);
            throw e;
        }
    }

    private static Key keyOf(DatabaseUrl url, RunnerConfig config) {
        Object location;
        if (url instanceof DatabaseUrl.Postgres pg) {
            location = pg.withoutSchema();
        } else {
            DatabaseUrl.Sqlite sqlite = (DatabaseUrl.Sqlite) url;
            location = sqlite.inMemory() ? new Object() : sqlite.file().toAbsolutePath().normalize();
        }
        return new Key(location, config.maxConcurrentTasks(), config.dbPoolSize(), config.sqliteDurable());
    }

    private synchronized SharedResources acquire(Key key, DatabaseUrl url, RunnerConfig config) {
        SharedResources resources = shared.get(key);
        if (resources == null) {
            Database database = Database.open(url, config.dbPoolSize(), config.sqliteDurable());
            String name = "cloaca-" + UUID.randomUUID().toString().substring(0, 8);
            try {
                resources = new SharedResources(database, name, config.maxConcurrentTasks());
            } catch (RuntimeException e) {
                database.close();
                throw e;
            }
            shared.put(key, resources);
        }
        resources.users++;
        return resources;
    }

    private synchronized void release(Key key, SharedResources resources) {
        if (--resources.users == 0) {
            shared.remove(key);
            resources.close();
        }
    }

    /** Sends the task events of every runner this factory opened or will open to {@code listener}. */
    public void addTaskListener(TaskListener listener) {
        listeners.add(java.util.Objects.requireNonNull(listener, "listener"));
    }

    /** Stops sending events to {@code listener}; no-op when it was not added. */
    public void removeTaskListener(TaskListener listener) {
        listeners.remove(listener);
    }

    /** Runners opened and not yet shut down. */
    public List<Runner> openRunners() {
        return List.copyOf(open);
    }

    /** Shuts down every runner still open. Idempotent. */
    @Override
    public void close() {
        List.copyOf(open).forEach(Runner::shutdown);
    }
}
