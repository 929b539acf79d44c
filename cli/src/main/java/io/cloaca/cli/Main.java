package io.cloaca.cli;

import io.cloaca.engine.CloacaVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code cloaca} command. */
@Command(name = "cloaca", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Durable workflows on the JVM, scripted in Python with the cloaca module.",
        subcommands = {RunCommand.class, ReplCommand.class, TestCommand.class, ExecutionsCommand.class,
                SchedulesCommand.class, TriggersCommand.class, TenantsCommand.class, UiCommand.class, BenchCommand.class,
                io.cloaca.cli.daemon.DaemonCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (for tests and embedding). */
    public static int execute(String... args) {
        return execute(Invocation.local(), args);
    }

    /** Runs the command line for {@code invocation} (a daemon session's client, or this process). */
    public static int execute(Invocation invocation, String... args) {
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine cli = new CommandLine(new Main(), new CommandLine.IFactory() {
            @Override
            @SuppressWarnings("unchecked")
            public <K> K create(Class<K> type) throws Exception {
                if (type == RunCommand.class) {
                    return (K) new RunCommand(invocation);
                }
                return type == ReplCommand.class ? (K) new ReplCommand(invocation) : defaults.create(type);
            }
        });
        // What follows `run`'s script belongs to the script (as after `python script.py`), and what follows
        // `test`'s first argument to pytest. The other commands take their options anywhere, as most
        // command lines do: `cloaca executions ID --json` and `cloaca tenants create acme acme_user -d URL`.
        cli.setStopAtPositional(true);
        cli.getSubcommands().forEach((name, sub) -> sub.setStopAtPositional(name.equals("run") || name.equals("test")));
        // pytest's own options (-x, -k ...) are passed through; only a leading -h/--help is cloaca's.
        cli.getSubcommands().get("test").setUnmatchedOptionsArePositionalParams(true);
        cli.setParameterExceptionHandler((e, given) -> {
            // picocli would guess a near name ("Did you mean: cloaca test?") or print the whole usage, which
            // buries the one line that says what was wrong.
            CommandLine failed = e.getCommandLine();
            if (failed == cli && e instanceof CommandLine.UnmatchedArgumentException unmatched
                    && !unmatched.getUnmatched().isEmpty() && !unmatched.getUnmatched().get(0).startsWith("-")) {
                cli.getErr().println("cloaca: unknown command '" + unmatched.getUnmatched().get(0) + "'; the commands are "
                        + String.join(", ", cli.getSubcommands().keySet()) + " (cloaca --help tells more)");
                return 2;
            }
            failed.getErr().println(e.getMessage());
            failed.getErr().println("Try '" + failed.getCommandSpec().qualifiedName() + " --help' for more information.");
            return failed.getCommandSpec().exitCodeOnInvalidInput();
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            // A failure of the command itself (not of a script, which prints its own traceback).
            commandLine.getErr().println("cloaca: " + e.getMessage());
            return 1;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            // The same version as the Python module's __version__.
            return new String[] {"cloaca " + CloacaVersion.get() + " (GraalPy 25.0.3, Java " + Runtime.version() + ")"};
        }
    }
}
