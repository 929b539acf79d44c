package io.cloaca.cli;

import io.cloaca.python.PythonRuntime;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code cloaca repl}: an interactive Python prompt with {@code cloaca} already imported, line editing
 * and history (~/.cloaca_history). Runners opened at the prompt live until the session ends.
 */
@Command(name = "repl", description = {"Interactive Python with the cloaca module imported.",
        "Ctrl-D or exit() leaves; Ctrl-C drops the line being typed."})
final class ReplCommand implements Callable<Integer> {

    static final String HISTORY_FILE = ".cloaca_history";

    @Override
    public Integer call() throws Exception {
        try (PythonRuntime python = PythonRuntime.builder().arguments(List.of("")).build();
             Terminal terminal = TerminalBuilder.builder().system(true).dumb(true).build()) {
            Thread onSignal = new Thread(() -> python.runners().close(), "cloaca-shutdown");
            Runtime.getRuntime().addShutdownHook(onSignal);
            LineReader reader = LineReaderBuilder.builder().terminal(terminal).appName("cloaca")
                    .variable(LineReader.HISTORY_FILE, Path.of(System.getProperty("user.home"), HISTORY_FILE))
                    .build();
            System.out.println(new Main.Version().getVersion()[0] + " - cloaca is imported; Ctrl-D to leave");
            try {
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
