package io.cloaca.cli;

import io.cloaca.python.PythonRuntime;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Where a {@code cloaca run} comes from: this process ({@link #local()}), or a client of the background
 * runtime, whose environment, folder, stdin and terminal the script must see instead of the daemon's.
 *
 * @param environment      the caller's environment variables ({@code os.environ}, DATABASE_URL, CLOACA_JIT...)
 * @param workingDirectory the caller's folder (absolute)
 * @param in               the script's stdin, or null for this process's
 * @param terminal         whether the caller's stdin and stdout are a terminal
 * @param onRuntime        told the runtime once it is built (a daemon session, to forward signals to it)
 * @param onSecondInterrupt what a second Ctrl-C does while runners stop
 */
public record Invocation(Map<String, String> environment, Path workingDirectory, InputStream in, boolean terminal,
                         Consumer<PythonRuntime> onRuntime, Runnable onSecondInterrupt) {

    public Invocation {
        environment = Map.copyOf(environment);
        workingDirectory = workingDirectory.toAbsolutePath();
    }

    /** This process: its environment, folder, stdin and terminal. */
    public static Invocation local() {
        return new Invocation(System.getenv(), Path.of("").toAbsolutePath(), null, System.console() != null,
                runtime -> { }, () -> Runtime.getRuntime().halt(PythonRuntime.KEYBOARD_INTERRUPT_STATUS));
    }

    /** Whether the script runs on behalf of another process (it then gets that process's environment and folder). */
    boolean remote() {
        return in != null;
    }

    String env(String name) {
        return environment.get(name);
    }
}
