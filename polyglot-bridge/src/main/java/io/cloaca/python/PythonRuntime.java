package io.cloaca.python;

import io.cloaca.engine.execution.RunnerFactory;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.EnvironmentAccess;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.PolyglotAccess;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.IOAccess;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One Python interpreter with the {@code cloaca} module installed, plus the workflow registry its
 * scripts fill. Task functions registered by a script are called from the engine's worker threads;
 * GraalPy's GIL serialises the Python parts, unless {@link Builder#workerContexts} gives tasks
 * interpreters of their own.
 *
 * <p>Sandbox: host access only to {@code @HostAccess.Export} members, no Java class lookup, no native
 * extensions, no subprocesses; file IO, threads and environment variables are allowed, as under CPython.
 *
 * <p>Python is interpreted unless {@link Builder#jit(boolean)} asks for JIT compilation, which needs the JVM
 * started with the Graal compiler (see {@link Builder#jit(boolean)}).
 *
 * <pre>{@code
 * try (PythonRuntime python = PythonRuntime.builder().arguments(List.of("wf.py")).build()) {
 *     int exitCode = python.runScript(Path.of("wf.py"));
 * }
 * }</pre>
 */
public final class PythonRuntime implements AutoCloseable {

    /**
     * Makes the package {@code cloaca} from {@code __init__.py} and puts on {@code sys.meta_path} an
     * importer that finds each {@code cloaca.<name>} at class-path resource {@code /cloaca/<name>.py},
     * read through {@link PackageSources} when first imported and compiled with the file name
     * {@code cloaca/<name>.py} that tracebacks show.
     */
    private static final String INSTALL = """
            def _install(name, sources, source):
                import sys, types
                from importlib.machinery import ModuleSpec

                class Importer:
                    @classmethod
                    def find_spec(cls, fullname, path=None, target=None):
                        package, _, module = fullname.partition('.')
                        if package != name or not module or '.' in module:
                            return None
                        source = sources.read(module)
                        if source is None:
                            return None
                        spec = ModuleSpec(fullname, cls, origin=f'{name}/{module}.py')
                        spec.has_location = True
                        spec.loader_state = source
                        return spec

                    @staticmethod
                    def create_module(spec):
                        return None

                    @staticmethod
                    def exec_module(module):
                        spec = module.__spec__
                        exec(compile(spec.loader_state, spec.origin, 'exec'), module.__dict__)

                sys.meta_path.insert(0, Importer)
                filename = f'{name}/__init__.py'
                module = types.ModuleType(name)
                module.__file__ = filename
                module.__path__ = []
                sys.modules[name] = module
                exec(compile(source, filename, 'exec'), module.__dict__)
                return module
            _install
            """;

    private final Context context;
    private final WorkflowRegistry registry;
    private final RunnerFactory runners;
    private final Value cloaca;
    private final KeyboardInterrupts interrupts;
    /** Whether the last script ended with an uncaught KeyboardInterrupt. */
    private volatile boolean interrupted;
    private final boolean jit;
    /** The worker threads' own interpreters, or null with {@link Builder#workerContexts} 0. */
    private final WorkerContexts workers;

    /**
     * System property by which a launcher that chose not to start the JVM with the Graal compiler says
     * why (e.g. the compiler jars are not GraalPy's version); the JIT notice quotes it.
     */
    public static final String JIT_UNAVAILABLE_PROPERTY = "cloaca.jit.unavailable";

    private PythonRuntime(Builder b) {
        this.jit = b.jit && jitAvailable(b.err);
        this.registry = b.registry;
        this.runners = new RunnerFactory(registry);
        if (b.workingDirectory != null) {
            runners.workingDirectory(b.workingDirectory);
        }
        this.interrupts = new KeyboardInterrupts(Thread.currentThread(), b.err, b.onSecondInterrupt);
        if (b.keyboardInterrupts) {
            interrupts.takeOverFromHost();
        }
        this.workers = b.workerContexts > 0 ? new WorkerContexts(b.workerContexts, jit,
                (engine, out, err) -> newContext(b, engine, false, out, err), b.out, b.err) : null;
        this.context = newContext(b, PythonEngine.get(jit), true, b.out, b.err);
        try {
            this.cloaca = install(context, errors -> new CloacaHost(runners, errors, interrupts, workers, jit));
            if (b.keyboardInterrupts) {
                interrupts.takeOverFromPython(new PythonErrors(cloaca));
            }
        } catch (RuntimeException e) {
            interrupts.release();
            context.close(true);
            throw e;
        }
    }

    /**
     * A context with this runtime's sandbox and settings. Only the script's own ({@code main}) reads stdin
     * and may take Ctrl-C.
     */
    private static Context newContext(Builder b, Engine engine, boolean main, OutputStream out, OutputStream err) {
        Context.Builder contextBuilder = Context.newBuilder("python")
                .engine(engine)
                .allowHostAccess(HostAccess.newBuilder(HostAccess.EXPLICIT).allowListAccess(true).allowMapAccess(true)
                        .build())
                .allowHostClassLookup(name -> false)
                .allowPolyglotAccess(PolyglotAccess.NONE)
                .allowIO(IOAccess.ALL)
                .allowCreateThread(true)
                .allowCreateProcess(false)
                .allowNativeAccess(false)
                .allowEnvironmentAccess(b.environment == null ? EnvironmentAccess.INHERIT : EnvironmentAccess.NONE)
                .arguments("python", b.arguments.toArray(String[]::new))
                // Without keyboardInterrupts, Ctrl-C belongs to the embedding application (the JVM's
                // shutdown hooks); with it, GraalPy's handler raises KeyboardInterrupt, fronted by ours.
                .option("python.InstallSignalHandlers", String.valueOf(main && b.keyboardInterrupts))
                .out(out)
                .err(err);
        if (b.terminal) {
            // GraalPy's isatty() for the standard streams answers with this option (experimental in 25.0);
            // set only when true, its default being false.
            contextBuilder.allowExperimentalOptions(true).option("python.TerminalIsInteractive", "true");
        }
        if (b.environment != null) {
            contextBuilder.environment(b.environment);
        }
        if (b.workingDirectory != null) {
            contextBuilder.currentWorkingDirectory(b.workingDirectory);
        }
        if (!main) {
            contextBuilder.in(InputStream.nullInputStream());
        } else if (b.in != null) {
            contextBuilder.in(b.in);
        }
        return contextBuilder.build();
    }

    /**
     * Installs the {@code cloaca} package in {@code context} and binds it to the host that {@code host}
     * makes for the package's error raiser.
     *
     * @return the package module
     */
    static Value install(Context context, Function<PythonErrors, CloacaHost> host) {
        PackageSources sources = new PackageSources();
        Value cloaca = context.eval("python", INSTALL).execute("cloaca", sources, initSource(sources));
        cloaca.getMember("_bind").execute(host.apply(new PythonErrors(cloaca)));
        return cloaca;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The workflows this runtime's scripts registered; Java code may register its own here too. */
    public WorkflowRegistry registry() {
        return registry;
    }

    /** Opens runners for this runtime's scripts; runners on one database share a pool and workers. */
    public RunnerFactory runners() {
        return runners;
    }

    /** Whether this runtime's Python is JIT-compiled (it was asked for and the JVM supports it). */
    public boolean jit() {
        return jit;
    }

    /**
     * Why this JVM cannot JIT-compile Python, or null if it can. Compilation needs the optimizing Truffle
     * runtime: JDK 25 started with {@code -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI} and the Graal
     * compiler jars of GraalPy's exact version on {@code --upgrade-module-path}.
     */
    public static String jitUnavailableReason() {
        if (PythonEngine.optimizingRuntime()) {
            return null;
        }
        String launcher = System.getProperty(JIT_UNAVAILABLE_PROPERTY, "");
        if (!launcher.isBlank()) {
            return launcher;
        }
        String graal = PythonEngine.version();
        int java = Runtime.version().feature();
        String needs = "org.graalvm.compiler:compiler " + graal + " (with truffle-compiler, collections, word) on "
                + "--upgrade-module-path and -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI";
        // Graal compiler N.x talks to the JVMCI of JDK N only.
        String jdk = graal.replaceFirst("^(\\d+)\\..*", "$1");
        if (!jdk.equals(Integer.toString(java))) {
            return "Java " + java + " has no JVMCI for the Graal compiler " + graal + " (it needs JDK " + jdk
                    + " with " + needs + ")";
        }
        return "this JVM was started without the Graal compiler (it needs " + needs + ")";
    }

    /** The Truffle runtime of this JVM: "Interpreted" (no JIT possible) or e.g. "GraalVM CE" (optimizing). */
    public static String truffleRuntimeName() {
        return PythonEngine.get(true).getImplementationName();
    }

    private static boolean jitAvailable(OutputStream err) {
        String reason = jitUnavailableReason();
        if (reason == null) {
            return true;
        }
        try {
            err.write(("cloaca: JIT requested, but " + reason + "; Python runs interpreted."
                    + System.lineSeparator()).getBytes(StandardCharsets.UTF_8));
            err.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return false;
    }

    /**
     * Delivers a Ctrl-C as if SIGINT had reached this process: {@code KeyboardInterrupt} in the script's
     * main thread, or, while runners stop after one, the second-interrupt action. Needs
     * {@link Builder#keyboardInterrupts(boolean)}; for a host that receives the signal elsewhere (a client
     * process forwarding it).
     */
    public void interrupt() {
        interrupts.deliver();
    }

    /** The worker threads' interpreters, or null without {@link Builder#workerContexts}. */
    WorkerContexts workers() {
        return workers;
    }

    /** The polyglot context, for embedding code that wants to evaluate Python directly. */
    public Context context() {
        return context;
    }

    /**
     * Runs {@code script} as {@code __main__}: its folder goes first on {@code sys.path}; an uncaught
     * exception prints a traceback starting at the script's own frames.
     *
     * @return the exit code: 0, 1 after an uncaught exception, 130 after an uncaught
     *     {@code KeyboardInterrupt}, or the code given to {@code sys.exit}
     */
    public int runScript(Path script) {
        return runMain(script.toAbsolutePath().toString());
    }

    /**
     * Runs {@code source}, a script read from stdin, as {@code __main__}, as {@code python -} does:
     * {@code name} stands for its file in tracebacks ({@code <stdin>}), the working folder goes first on
     * {@code sys.path}. A syntax error is reported as an uncaught exception.
     *
     * @return the exit code, as for {@link #runScript}
     */
    public int runSource(String source, String name) {
        return runMain(name, source);
    }

    private int runMain(Object... args) {
        if (workers != null) {
            workers.script(args);
        }
        int status = callExitingFunction("_run_main", args);
        interrupted = status == KEYBOARD_INTERRUPT_STATUS;
        return status;
    }

    /** {@link #runScript} result after an uncaught {@code KeyboardInterrupt}, as the python command exits. */
    public static final int KEYBOARD_INTERRUPT_STATUS = 130;

    /**
     * Runs pytest inside this runtime (it must be importable, e.g. from Debian's python3-pytest).
     *
     * @return pytest's exit code
     */
    public int runPytest(List<String> args, List<String> extraPath) {
        return callExitingFunction("_run_pytest", WorkflowHandle.json(args), WorkflowHandle.json(extraPath));
    }

    private int callExitingFunction(String name, Object... args) {
        try {
            return cloaca.getMember(name).execute(args).asInt();
        } catch (PolyglotException e) {
            if (e.isExit()) {
                return e.getExitStatus();
            }
            throw e;
        }
    }

    /**
     * Feeds one line typed at an interactive prompt to a Python console (with {@code cloaca} imported);
     * output and tracebacks go to the runtime's stdout and stderr.
     *
     * @return {@link #REPL_MORE} while the statement needs more lines, {@link #REPL_DONE} when it ran,
     *     else the exit status the line asked for ({@code exit(n)})
     */
    public int replPush(String line) {
        return cloaca.getMember("_repl_push").execute(line).asInt();
    }

    /**
     * Runs {@code source}, all of the console's input when it is not a terminal, as {@code python < file}
     * does: compiled first (a syntax error anywhere runs nothing), then run as {@code __main__} under the
     * name {@code <stdin>} with the console's names ({@code cloaca}, a {@link #replOpenRunner} runner); the
     * first uncaught exception prints its traceback and ends it.
     *
     * @return the exit code, as for {@link #runScript}
     */
    public int replRun(String source) {
        return callExitingFunction("_repl_run", source);
    }

    /** {@link #replPush} result: show the continuation prompt. */
    public static final int REPL_MORE = -1;
    /** {@link #replPush} result: the statement ran. */
    public static final int REPL_DONE = -2;

    /** Forgets a half-typed statement. */
    public void replReset() {
        cloaca.getMember("_repl_reset").execute();
    }

    /**
     * Completions at the interactive prompt for the dotted name that {@code lineBeforeCursor} ends with
     * (names of the console's namespace, or attributes: {@code cloaca.ta} gives {@code cloaca.task(}).
     */
    public List<String> replComplete(String lineBeforeCursor) {
        Value found = cloaca.getMember("_repl_complete").execute(lineBeforeCursor);
        List<String> completions = new ArrayList<>((int) found.getArraySize());
        for (long i = 0; i < found.getArraySize(); i++) {
            completions.add(found.getArrayElement(i).asString());
        }
        return completions;
    }

    /**
     * Binds {@code runner} at the interactive prompt to a runner on {@code databaseUrl} (in tenant schema
     * {@code schema} when not null) and returns the statement that did it, with any password hidden.
     *
     * @throws PolyglotException with the Python error when the runner cannot be opened
     */
    public String replOpenRunner(String databaseUrl, String schema) {
        return cloaca.getMember("_repl_open_runner").execute(databaseUrl, schema).asString();
    }

    /** Evaluates Python source in {@code __main__}, returning the last expression's value. */
    public Value eval(String code) {
        return context.eval(Source.create("python", code));
    }

    /**
     * Shuts down every runner the scripts left open (saying so on stderr if the script was ended by
     * Ctrl-C), then closes the interpreter. Idempotent.
     */
    @Override
    public void close() {
        if (interrupted) {
            interrupts.stopAfterInterrupt(runners.openRunners());
        }
        runners.close();
        if (workers != null) {
            workers.close();
        }
        try {
            context.close(true);
        } catch (PolyglotException | IllegalStateException ignored) {
            // already closed, e.g. after sys.exit
        }
        interrupts.release();
    }

    private static String initSource(PackageSources sources) {
        String source = sources.read("__init__");
        if (source == null) {
            throw new IllegalStateException("The cloaca package is missing from the class path: "
                    + PackageSources.FOLDER + "__init__.py");
        }
        return source;
    }

    /** Options for a runtime; every one has a default. */
    public static final class Builder {
        private WorkflowRegistry registry = new WorkflowRegistry();
        private List<String> arguments = new ArrayList<>(List.of(""));
        private OutputStream out = System.out;
        private OutputStream err = System.err;
        private boolean keyboardInterrupts;
        private boolean jit;
        private int workerContexts;
        private boolean terminal;
        private Map<String, String> environment;
        private Path workingDirectory;
        private InputStream in;
        private Runnable onSecondInterrupt = () -> Runtime.getRuntime().halt(KEYBOARD_INTERRUPT_STATUS);

        /**
         * {@code os.environ}: exactly these variables (default: this process's environment, read through).
         */
        public Builder environment(Map<String, String> environment) {
            this.environment = Map.copyOf(environment);
            return this;
        }

        /**
         * The folder that relative paths of the script resolve against, {@code os.getcwd()} and relative
         * SQLite database files (default: this process's). Must be absolute.
         */
        public Builder workingDirectory(Path directory) {
            if (!directory.isAbsolute()) {
                throw new IllegalArgumentException("the working directory must be absolute, not '" + directory + "'");
            }
            this.workingDirectory = directory;
            return this;
        }

        /**
         * Whether Python's stdin, stdout and stderr are a terminal, as {@code isatty()} reports them (default:
         * false). GraalPy's streams are the Java streams given here, which it cannot look through, so it
         * takes the answer from the embedder, one answer for the three streams: give true only when the
         * script's input and output both are a terminal (an interactive session), so that a colouring
         * library never writes escape codes into a pipe or a file.
         */
        public Builder terminal(boolean terminal) {
            this.terminal = terminal;
            return this;
        }

        /** Python's stdin (default: {@code System.in}). */
        public Builder in(InputStream in) {
            this.in = in;
            return this;
        }

        /**
         * What a second Ctrl-C does while runners stop after the first (default: end this JVM at once with
         * status 130, as the python command would).
         */
        public Builder onSecondInterrupt(Runnable action) {
            this.onSecondInterrupt = java.util.Objects.requireNonNull(action, "action");
            return this;
        }

        /** {@code sys.argv}: the script path first, as under CPython (default: {@code [""]}). */
        public Builder arguments(List<String> argv) {
            this.arguments = new ArrayList<>(argv);
            return this;
        }

        /** Where {@code cloaca.register_workflow_constructor} and friends register (default: a new registry). */
        public Builder registry(WorkflowRegistry registry) {
            this.registry = registry;
            return this;
        }

        /** Python's stdout (default: {@code System.out}). */
        public Builder out(OutputStream out) {
            this.out = out;
            return this;
        }

        /** Python's stderr (default: {@code System.err}). */
        public Builder err(OutputStream err) {
            this.err = err;
            return this;
        }

        /**
         * Whether SIGINT (Ctrl-C) raises {@code KeyboardInterrupt} in the thread that builds the runtime,
         * as under the python command, also while it waits for a runner (default: false, Ctrl-C stays
         * with the embedding application). The runtime then owns SIGINT until it is closed.
         */
        public Builder keyboardInterrupts(boolean enabled) {
            this.keyboardInterrupts = enabled;
            return this;
        }

        /**
         * JIT-compile Python with the optimizing Truffle runtime (default: interpret). Compiled code is
         * several times faster than CPython once warm, but warming up costs seconds of CPU, so it pays for
         * long-running processes with CPU-bound task bodies (docs/benchmarks.md). It needs the JVM started
         * on JDK 25 with {@code -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI
         * --upgrade-module-path=<jars>}, the jars being {@code org.graalvm.compiler:compiler},
         * {@code org.graalvm.truffle:truffle-compiler}, {@code org.graalvm.sdk:collections} and
         * {@code org.graalvm.sdk:word} of GraalPy's exact version ({@code cloaca run --jit} does this). On
         * any other JVM one line on {@link #err} says why and Python is interpreted; see
         * {@link PythonRuntime#jit()}.
         */
        public Builder jit(boolean jit) {
            this.jit = jit;
            return this;
        }

        /**
         * Runs Python tasks in up to {@code count} interpreters of their own, each on a polyglot engine of
         * its own, besides the script's (default: 0, every task in the script's interpreter, as upstream
         * does). CPU-bound task bodies then run in parallel instead of taking turns on one GIL. A task's
         * call borrows an idle one, made when none is idle and fewer than {@code count} exist (a second or
         * two, once each); with none to borrow, it runs in the script's interpreter. Each imports the script
         * that {@link PythonRuntime#runScript} or {@link PythonRuntime#runSource} runs, as module
         * {@code __cloaca_worker__}, and runs that module's functions for the tasks it declares:
         * module-level state is per interpreter, and runners must be opened under
         * {@code if __name__ == "__main__":}. A script that cannot be imported so, and any task it does not
         * declare at import, runs in the script's interpreter (one line on {@link #err} says why, once).
         *
         * @throws IllegalArgumentException if {@code count} is negative
         */
        public Builder workerContexts(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("workerContexts must be 0 or more, not " + count);
            }
            this.workerContexts = count;
            return this;
        }

        public PythonRuntime build() {
            return new PythonRuntime(this);
        }
    }
}
