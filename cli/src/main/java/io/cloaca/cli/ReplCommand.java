package io.cloaca.cli;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.python.PythonRuntime;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.terminal.impl.DumbTerminal;
import org.graalvm.polyglot.PolyglotException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code cloaca repl}: an interactive Python prompt with {@code cloaca} already imported, line editing
 * and history ($HOME/.cloaca_history). Runners opened at the prompt live until the session ends. Fed
 * from a pipe or file, it runs the whole input as one script, as {@code python < file}: no banner, prompts
 * or history, and the first uncaught exception ends it with status 1.
 */
@Command(name = "repl", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Interactive Python with the cloaca module imported.",
        "Ctrl-D or exit() leaves; Ctrl-C drops the line being typed, or raises KeyboardInterrupt in the "
                + "running statement and gives the prompt back."})
final class ReplCommand implements Callable<Integer> {

    static final String HISTORY_FILE = ".cloaca_history";

    private final Invocation invocation;

    ReplCommand(Invocation invocation) {
        this.invocation = invocation;
    }

    /** For picocli's default factory ({@code new CommandLine(new Main())}): this process's own invocation. */
    ReplCommand() {
        this(Invocation.local());
    }

    @Spec
    CommandSpec spec;

    @Option(names = {"-d", "--database"}, paramLabel = "URL", description = {"Start with `runner` bound to a "
            + "DefaultRunner on this database (sqlite://file.db, postgresql://user@host/db; default: $DATABASE_URL)."})
    String database;

    @Option(names = "--schema", paramLabel = "NAME", description = {"With --database or $DATABASE_URL (PostgreSQL): the "
            + "runner works in this tenant schema, as DefaultRunner.with_schema."})
    String schema;

    /**
     * {@code url} without its {@code ?schema=}: here, as in {@code executions}, {@code ui} and {@code tenants},
     * {@code --schema} names the tenant even where the URL (often {@code $DATABASE_URL}, set for another
     * purpose) pins another, where {@code with_schema} in a script refuses the conflict.
     */
    private static String withoutPinnedSchema(String url) {
        try {
            return DatabaseUrl.parse(url) instanceof DatabaseUrl.Postgres pg && pg.schema() != null
                    ? pg.withoutSchema().toUrlString() : url;
        } catch (CloacaException e) {
            return url; // opening the runner says what is wrong with it, in the runner's words
        }
    }

    @Override
    public Integer call() throws Exception {
        // As executions, ui and tenants read it; the caller's, should a daemon session ever run the repl.
        String fromEnvironment = invocation.env("DATABASE_URL");
        boolean byEnvironment = database == null && fromEnvironment != null && !fromEnvironment.isBlank();
        String url = byEnvironment ? fromEnvironment : database;
        String origin = byEnvironment ? "$DATABASE_URL" : "--database";
        if (schema != null && url == null) {
            throw new ParameterException(spec.commandLine(), "--schema needs --database or DATABASE_URL (the "
                    + "PostgreSQL database the tenant schema lives in)");
        }
        if (schema != null) {
            url = withoutPinnedSchema(url);
        }
        try (PythonRuntime python = PythonRuntime.builder().arguments(List.of("")).terminal(System.console() != null)
                .keyboardInterrupts(true).onSecondInterrupt(invocation.onSecondInterrupt()).build();
             Terminal terminal = TerminalBuilder.builder().system(true).dumb(true).build()) {
            // JLine takes SIGINT over: at the prompt it drops the line (UserInterruptException); otherwise
            // (a statement running) it goes to the runtime, which raises KeyboardInterrupt as cloaca run does.
            terminal.handle(Terminal.Signal.INT, signal -> python.interrupt());
            String opened = null;
            if (url != null) {
                try {
                    opened = python.replOpenRunner(url, schema);
                } catch (PolyglotException e) {
                    System.err.println("cloaca repl: cannot open a runner on " + origin + ": " + e.getMessage());
                    return 1;
                }
            }
            Thread onSignal = new Thread(() -> python.runners().close(), "cloaca-shutdown");
            Runtime.getRuntime().addShutdownHook(onSignal);
            try {
                // JLine falls back to a dumb terminal when standard input is not a terminal.
                if (terminal instanceof DumbTerminal) {
                    return python.replRun(new String(System.in.readAllBytes(), StandardCharsets.UTF_8));
                }
                LineReader reader = LineReaderBuilder.builder().terminal(terminal).appName("cloaca")
                        .parser(ReplCompleter.parser()).completer(new ReplCompleter(python))
                        .variable(LineReader.HISTORY_FILE, historyFile()).build();
                System.out.println(new Main.Version().getVersion()[0] + " - cloaca is imported; Tab completes, "
                        + "Ctrl-D leaves");
                if (opened != null) {
                    System.out.println(opened + " is ready" + (byEnvironment ? " (from " + origin + ")" : ""));
                }
                return loop(python, reader);
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(onSignal);
                } catch (IllegalStateException alreadyShuttingDown) {
                    // the hook is running or has run
                }
            }
        }
    }

    /** In the home directory the shell names ($HOME), which Java's user.home (from the password file) ignores. */
    private static Path historyFile() {
        String home = System.getenv("HOME");
        return Path.of(home == null || home.isBlank() ? System.getProperty("user.home") : home, HISTORY_FILE);
    }

    private static int loop(PythonRuntime python, LineReader reader) {
        boolean more = false;
        while (true) {
            String line;
            try {
                line = reader.readLine(more ? "... " : ">>> ");
            } catch (UserInterruptException e) {
                python.replReset();
                more = false;
                continue;
            } catch (EndOfFileException e) {
                System.out.println();
                return 0;
            }
            int state = python.replPush(line);
            if (state >= 0) {
                return state;
            }
            more = state == PythonRuntime.REPL_MORE;
            System.out.flush();
        }
    }
}
