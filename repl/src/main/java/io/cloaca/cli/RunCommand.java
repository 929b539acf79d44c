package io.cloaca.cli;

import io.cloaca.python.PythonRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code cloaca run script.py [args...]}: runs a script as CPython would, with the cloaca module. */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Run a Python workflow script with the cloaca module.",
                "Ctrl-C raises KeyboardInterrupt in the script; a second one while runners stop exits at once.",
                "Options go before SCRIPT; everything after it is the script's (sys.argv[1:])."})
final class RunCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SCRIPT", description = "The Python script to run.")
    Path script;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Arguments passed to the script as sys.argv[1:].")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        if (Files.isDirectory(script)) {
            System.err.println("cloaca run: '" + script + "' is a directory, not a Python script");
            return 2;
        }
        if (!Files.isRegularFile(script)) {
            System.err.println("cloaca run: can't open file '" + script + "': no such file");
            return 2;
        }
        List<String> argv = new ArrayList<>();
        argv.add(script.toString());
        argv.addAll(args);
        EngineWarmUp.start();
        // Ctrl-C raises KeyboardInterrupt in the script, as under CPython; runners then stop through
        // __exit__ or when the runtime closes.
        try (PythonRuntime python = PythonRuntime.builder().arguments(argv).keyboardInterrupts(true).build()) {
            // SIGTERM: shut the runners down gracefully (running tasks finish, unstarted claims are given
            // back) before the JVM exits, so a restarted runner resumes at once.
            Thread onSignal = new Thread(() -> python.runners().close(), "cloaca-shutdown");
            Runtime.getRuntime().addShutdownHook(onSignal);
            try {
                return python.runScript(script);
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(onSignal);
                } catch (IllegalStateException alreadyShuttingDown) {
                    // the hook is running or has run
                }
            }
        }
    }
}
