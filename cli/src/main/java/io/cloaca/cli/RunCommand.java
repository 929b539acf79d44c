package io.cloaca.cli;

import io.cloaca.python.PythonRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code cloaca run script.py [args...]}: runs a script as CPython would, with the cloaca module. */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Run a Python workflow script with the cloaca module.",
                "Ctrl-C raises KeyboardInterrupt in the script; a second one while runners stop exits at once.",
                "Options go before SCRIPT; everything after it is the script's (sys.argv[1:])."})
final class RunCommand implements Callable<Integer> {

    private final Invocation invocation;

    RunCommand(Invocation invocation) {
        this.invocation = invocation;
    }

    /** For picocli's default factory ({@code new CommandLine(new Main())}): this process's own invocation. */
    RunCommand() {
        this(Invocation.local());
    }

    @picocli.CommandLine.Spec
    CommandSpec spec;

    @Option(names = "--jit", description = {"JIT-compile Python (also CLOACA_JIT=1): several times faster than CPython "
            + "once warm, but seconds slower to start; for long runs of CPU-bound tasks. Needs JDK 25 "
            + "(JAVA_HOME); on other JDKs one line says so and Python is interpreted."})
    boolean jit;

    @Option(names = "--python-contexts", paramLabel = "N", description = {"Run Python tasks in up to N interpreters "
            + "of their own, one per worker thread, so that CPU-bound tasks use several cores (default 0: every "
            + "task in the script's interpreter, one at a time, as upstream). Each imports the script as module "
            + "__cloaca_worker__ on its thread's first task: open runners under if __name__ == \"__main__\":, and "
            + "module-level state is per interpreter."})
    int pythonContexts;

    @Option(names = "--progress", description = {"Show task progress on stderr: each task's end with its time, and "
            + "on a terminal a live line with a bar, running/done/failed/retrying counts. Without it stderr holds the "
            + "script's output and the engine's warnings only (a task that failed, work recovered)."})
    boolean progress;

    @Option(names = "--no-daemon", description = {"Run in this process, not in the background runtime (also "
            + "CLOACA_DAEMON=0)."})
    boolean noDaemon;

    /** As typed, not a Path (which drops a doubled or trailing slash): sys.argv[0] is exactly this, as under python3. */
    @Parameters(index = "0", paramLabel = "SCRIPT", description = "The Python script to run; - reads it from stdin.")
    String script;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Arguments passed to the script as sys.argv[1:].")
    List<String> args = new ArrayList<>();

    /**
     * Whether {@code file} starts as a .pyc file does: a 2-byte magic number, then CR LF, then flags
     * holding NUL bytes, which no script's text does. GraalPy read one as source and reported a
     * SyntaxError about UTF-8 on line 1.
     */
    static boolean isCompiledPython(Path file) {
        byte[] head = new byte[16];
        int read;
        try (var in = Files.newInputStream(file)) {
            read = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            return false; // the runtime reports the unreadable file, as for any script
        }
        if (read < 8 || head[2] != '\r' || head[3] != '\n') {
            return false;
        }
        for (int i = 4; i < read; i++) {
            if (head[i] == 0) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Integer call() {
        // The caller's folder: the same as this process's unless a daemon runs the script for a client.
        Path file = invocation.workingDirectory().resolve(script);
        String source = null;
        if (readsStdin()) {
            // As python - does, the whole of stdin is the script; the script then finds its stdin at its end.
            try {
                source = new String((invocation.remote() ? invocation.in() : System.in).readAllBytes(),
                        StandardCharsets.UTF_8);
            } catch (IOException e) {
                System.err.println("cloaca run: can't read the script from stdin: " + e.getMessage());
                return 2;
            }
        } else if (Files.isDirectory(file)) {
            System.err.println("cloaca run: '" + script + "' is a directory, not a Python script");
            return 2;
        } else if (!Files.exists(file) && !Path.of(script).startsWith("/dev/fd")) {
            System.err.println("cloaca run: can't open file '" + script + "': no such file");
            return 2;
        } else if (!Files.isRegularFile(file)) {
            // A pipe, or a descriptor of the caller (bash's <(...)), which a daemon session cannot open.
            System.err.println("cloaca run: '" + script + "' is not a regular file; to run a script from a pipe,"
                    + " give it on stdin: cloaca run - ARGS < script.py");
            return 2;
        } else if (isCompiledPython(file)) {
            System.err.println("cloaca run: '" + script + "' is compiled Python (a .pyc file, CPython's bytecode),"
                    + " which GraalPy does not run; run its .py source");
            return 2;
        }
        List<String> argv = new ArrayList<>();
        argv.add(script);
        argv.addAll(args);
        boolean useJit = jit || jitFromEnvironment();
        if (pythonContexts < 0) {
            throw new ParameterException(spec.commandLine(), "--python-contexts must be 0 or more, not " + pythonContexts);
        }
        EngineWarmUp.start();
        // Ctrl-C raises KeyboardInterrupt in the script, as under CPython; runners then stop through
        // __exit__ or when the runtime closes.
        PythonRuntime.Builder builder = PythonRuntime.builder().arguments(argv).keyboardInterrupts(true).jit(useJit)
                .workerContexts(pythonContexts)
                .terminal(invocation.terminal()).onSecondInterrupt(invocation.onSecondInterrupt());
        if (invocation.remote()) {
            builder.environment(invocation.environment()).workingDirectory(invocation.workingDirectory())
                    .in(invocation.in());
        }
        try (PythonRuntime python = builder.build()) {
            // SIGTERM: shut the runners down gracefully (running tasks finish, unstarted claims are given
            // back) before the JVM exits, so a restarted runner resumes at once. A daemon session gets the
            // signal from its client instead (onRuntime).
            Thread onSignal = new Thread(() -> python.runners().close(), "cloaca-shutdown");
            if (!invocation.remote()) {
                Runtime.getRuntime().addShutdownHook(onSignal);
            }
            invocation.onRuntime().accept(python);
            ProgressView view = progress ? progressView(python) : null;
            try {
                return source != null ? python.runSource(source, script.equals("-") ? "<stdin>" : script) : python.runScript(file);
            } finally {
                if (view != null) {
                    // Runners still draining report their last tasks before the summary line.
                    python.runners().close();
                    view.close();
                }
                try {
                    if (!invocation.remote()) {
                        Runtime.getRuntime().removeShutdownHook(onSignal);
                    }
                } catch (IllegalStateException alreadyShuttingDown) {
                    // the hook is running or has run
                }
            }
        }
    }

    /** {@code -} (as for python) or {@code /dev/stdin}, which in a daemon session must mean the caller's stdin. */
    private boolean readsStdin() {
        return script.equals("-") || script.equals("/dev/stdin");
    }

    private ProgressView progressView(PythonRuntime python) {
        // Whether the caller's stdin and stdout are a terminal; stderr usually goes with them.
        boolean live = invocation.terminal() && !"dumb".equals(invocation.env("TERM"));
        ProgressView view = new ProgressView(System.err, live,
                name -> python.runners().registry().find(name).map(w -> w.tasks().size()).orElse(0), Clock.systemUTC());
        python.runners().addTaskListener(view);
        return view;
    }

    /** {@code CLOACA_JIT}: 1/true/yes/on or 0/false/no/off (unset or empty: off), as the launcher reads it. */
    private boolean jitFromEnvironment() {
        String value = invocation.env("CLOACA_JIT");
        return switch (value == null ? "" : value.trim().toLowerCase(Locale.ROOT)) {
            case "", "0", "false", "no", "off" -> false;
            case "1", "true", "yes", "on" -> true;
            default -> throw new ParameterException(spec.commandLine(),
                    "CLOACA_JIT must be 1 or 0 (or true/false, yes/no, on/off), not '" + value + "'");
        };
    }
}
