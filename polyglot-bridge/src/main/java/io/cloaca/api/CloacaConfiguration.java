package io.cloaca.api;

import io.cloaca.engine.execution.RunnerConfig;

import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings of an engine, set fluently and ending in {@link #start()}: from {@link Cloaca#configure()}.
 * Every setter checks its value at once and names the setting it rejects; settings that depend on each
 * other are checked by {@link #start()}. The started engine keeps a copy, so changing this object later
 * changes nothing there.
 *
 * <pre>{@code
 * try (Cloaca cloaca = Cloaca.configure()
 *         .database("postgresql://app@db:5432/app")
 *         .schema("acme")
 *         .maxConcurrentTasks(8)
 *         .start()) {
 *     ...
 * }
 * }</pre>
 */
public final class CloacaConfiguration {

    /** Default of {@link #maxConcurrentTasks(int)}. */
    public static final int DEFAULT_MAX_CONCURRENT_TASKS = RunnerConfig.DEFAULT_MAX_CONCURRENT_TASKS;
    /** Default of {@link #taskTimeout(Duration)}. */
    public static final Duration DEFAULT_TASK_TIMEOUT = RunnerConfig.DEFAULT_TASK_TIMEOUT;
    /** Default of {@link #executionTimeout(Duration)}. */
    public static final Duration DEFAULT_EXECUTION_TIMEOUT = RunnerConfig.DEFAULT_EXECUTION_TIMEOUT;
    /** Default of {@link #poolSize(int)}. */
    public static final int DEFAULT_POOL_SIZE = RunnerConfig.DEFAULT_DB_POOL_SIZE;
    /** Default of {@link #leaseDuration(Duration)}. */
    public static final Duration DEFAULT_LEASE_DURATION = RunnerConfig.DEFAULT_LEASE;
    /** Default of {@link #heartbeatInterval(Duration)}. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = RunnerConfig.DEFAULT_HEARTBEAT;
    /** Default of {@link #shutdownGrace(Duration)}. */
    public static final Duration DEFAULT_SHUTDOWN_GRACE = RunnerConfig.DEFAULT_SHUTDOWN_GRACE;

    String database;
    String schema;
    Clock clock = Clock.systemUTC();
    OutputStream pythonOut = System.out;
    OutputStream pythonErr = System.err;
    boolean pythonJit;
    int pythonContexts;
    private final RunnerConfig.Builder runner = RunnerConfig.builder();
    // Kept here too: start() checks them against each other under this API's names.
    private Duration leaseDuration = DEFAULT_LEASE_DURATION;
    private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
    private Duration shutdownGrace = DEFAULT_SHUTDOWN_GRACE;

    CloacaConfiguration() {
    }

    /**
     * The database: {@code sqlite://path/app.db} (created if missing), {@code sqlite://:memory:} (private
     * to this engine, gone when it closes), or {@code postgresql://user:password@host:5432/db}. Tables are
     * created or upgraded on start (no default: required).
     *
     * @throws NullPointerException     if {@code url} is null
     * @throws IllegalArgumentException if it is blank
     */
    public CloacaConfiguration database(String url) {
        Objects.requireNonNull(url, "url");
        if (url.isBlank()) {
            throw new IllegalArgumentException("database url must not be blank; use e.g. sqlite://app.db or "
                    + "postgresql://user:password@host:5432/db");
        }
        this.database = url;
        return this;
    }

    /**
     * The PostgreSQL schema the engine's tables live in, created on start if missing; one schema per tenant
     * keeps tenants apart in one database (default: none, the connection's search path).
     *
     * @throws NullPointerException if {@code name} is null
     */
    public CloacaConfiguration schema(String name) {
        this.schema = Objects.requireNonNull(name, "name");
        return this;
    }

    /** How many tasks run at once, on as many worker threads (default: 4). */
    public CloacaConfiguration maxConcurrentTasks(int count) {
        runner.maxConcurrentTasks(atLeastOne("maxConcurrentTasks", count));
        return this;
    }

    /**
     * How long one attempt of a task may run before it is failed (and maybe retried); then a Java task's
     * thread is interrupted (a Python task cannot be), and what it returns later is ignored (default: 300 s).
     */
    public CloacaConfiguration taskTimeout(Duration timeout) {
        runner.taskTimeout(positive("taskTimeout", timeout));
        return this;
    }

    /**
     * How long {@link Cloaca#execute} waits for an execution to end before it throws
     * {@link ExecutionTimeoutException}; the execution carries on (default: 3600 s).
     */
    public CloacaConfiguration executionTimeout(Duration timeout) {
        runner.executionTimeout(positive("executionTimeout", timeout));
        return this;
    }

    /** Database connections in the pool (default: 10). */
    public CloacaConfiguration poolSize(int connections) {
        runner.dbPoolSize(atLeastOne("poolSize", connections));
        return this;
    }

    /**
     * How long a claimed task stays this engine's without a heartbeat; after that another engine on the
     * same database (or this one after a restart) presumes it orphaned and runs it again (default: 60 s).
     */
    public CloacaConfiguration leaseDuration(Duration lease) {
        leaseDuration = positive("leaseDuration", lease);
        return this;
    }

    /** How often the leases of running tasks are renewed; shorter than the lease (default: 10 s). */
    public CloacaConfiguration heartbeatInterval(Duration interval) {
        heartbeatInterval = positive("heartbeatInterval", interval);
        return this;
    }

    /**
     * How long {@link Cloaca#close()} lets running tasks finish before it stops; shorter than the lease.
     * Tasks still running then are run again after their lease expires (default: 5 s).
     */
    public CloacaConfiguration shutdownGrace(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        if (grace.isNegative()) {
            throw new IllegalArgumentException("shutdownGrace must not be negative, got " + grace);
        }
        shutdownGrace = grace;
        return this;
    }

    /**
     * Whether SQLite syncs every commit to disk ({@code synchronous=FULL}); off, a power cut may lose the
     * last commits, never corrupt the file (default: true).
     */
    public CloacaConfiguration sqliteDurable(boolean durable) {
        runner.sqliteDurable(durable);
        return this;
    }

    /** The clock of stored times and leases; tests pass a settable one (default: {@code Clock.systemUTC()}). */
    public CloacaConfiguration clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /** Where Python's {@code print} and {@code sys.stdout} go (default: {@code System.out}). */
    public CloacaConfiguration pythonOut(OutputStream out) {
        this.pythonOut = Objects.requireNonNull(out, "out");
        return this;
    }

    /** Where Python's {@code sys.stderr} and warnings go (default: {@code System.err}). */
    public CloacaConfiguration pythonErr(OutputStream err) {
        this.pythonErr = Objects.requireNonNull(err, "err");
        return this;
    }

    /**
     * Whether Python is JIT-compiled: several times faster once warm, for seconds of CPU while warming up, so
     * it pays in long-running processes with CPU-bound Python tasks. It needs JDK 25 started with
     * {@code -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI --upgrade-module-path=<jars>}, the jars being
     * {@code org.graalvm.compiler:compiler}, {@code org.graalvm.truffle:truffle-compiler},
     * {@code org.graalvm.sdk:collections} and {@code org.graalvm.sdk:word} of GraalPy's version; on any other
     * JVM one line on {@link #pythonErr} says why and Python is interpreted (default: false, interpreted).
     */
    public CloacaConfiguration pythonJit(boolean jit) {
        this.pythonJit = jit;
        return this;
    }

    /**
     * Python tasks run in up to {@code count} interpreters of their own besides the one {@code python().load}
     * runs files in, so CPU-bound Python tasks use several cores instead of taking turns on one GIL
     * (default: 0, every Python task in that one interpreter). Each starts, on a task's first need, in
     * about two seconds of CPU and loads the same files in the same order: module-level state is per
     * interpreter. A file that cannot be loaded there turns them off, with one line on {@link #pythonErr}.
     *
     * @throws IllegalArgumentException if {@code count} is negative
     */
    public CloacaConfiguration pythonContexts(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("pythonContexts must be 0 or more, not " + count);
        }
        this.pythonContexts = count;
        return this;
    }

    /**
     * Opens the database (creating or upgrading its tables), starts the workers and returns the running
     * engine. Python starts on first use of {@link Cloaca#python()}, so an engine of Java tasks only does not
     * pay for it.
     *
     * @throws IllegalStateException    if no database was set
     * @throws IllegalArgumentException for a malformed URL or schema name, a schema on SQLite, or settings
     *                                  that contradict each other (a heartbeat not shorter than the lease)
     * @throws CloacaApiException       if the database cannot be reached or its tables created
     */
    public Cloaca start() {
        if (database == null) {
            throw new IllegalStateException("No database set: call database(url) before start(), e.g. "
                    + "database(\"sqlite://app.db\")");
        }
        return new Cloaca(this);
    }

    /** The engine's runner settings, checked together under this API's names. */
    RunnerConfig runnerConfig() {
        if (heartbeatInterval.compareTo(leaseDuration) >= 0) {
            throw new IllegalArgumentException("heartbeatInterval (" + heartbeatInterval + ") must be shorter than "
                    + "leaseDuration (" + leaseDuration + "), or leases expire between heartbeats");
        }
        if (shutdownGrace.compareTo(leaseDuration) >= 0) {
            throw new IllegalArgumentException("shutdownGrace (" + shutdownGrace + ") must be shorter than "
                    + "leaseDuration (" + leaseDuration + "), or a task still finishing at close could be run again "
                    + "elsewhere");
        }
        return runner.leaseDuration(leaseDuration).heartbeatInterval(heartbeatInterval).shutdownGrace(shutdownGrace)
                .build();
    }

    private static int atLeastOne(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, got " + value);
        }
        return value;
    }

    private static Duration positive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration, got " + value);
        }
        return value;
    }
}
