package io.cloaca.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code ./cloaca} launcher in a child process, as a user would, and captures its output. */
final class CloacaProcess {

    /** The repository root (the parent of the repl module, where surefire/failsafe run). */
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    record Result(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    private CloacaProcess() {
    }

    private static List<String> command(String... args) {
        List<String> command = new ArrayList<>();
        command.add(ROOT.resolve("cloaca").toString());
        command.addAll(List.of(args));
        return command;
    }

    /** Starts the launcher without waiting; output is discarded (tests watch files instead). */
    static Process start(Map<String, String> env, String... args) throws IOException {
        List<String> command = command(args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(withDaemonDefaults(env));
        return pb.start();
    }

    /**
     * Starts the launcher as an interactive shell starts a foreground job: in a process group of its own,
     * so that {@link #pressCtrlC} reaches the launcher script and its JVM as a terminal's Ctrl-C does,
     * and with SIGINT handled by default even if the build was started where it is ignored (a
     * background job of a script), which the JVM would inherit.
     */
    static Process startJob(Map<String, String> env, Path stdout, Path stderr, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("env", "--default-signal=INT", "setsid"));
        command.addAll(command(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        pb.environment().putAll(withDaemonDefaults(env));
        return pb.start();
    }

    /** SIGINT to every process of {@code job}'s group (setsid made the job's pid its group id). */
    static void pressCtrlC(Process job) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-INT", "--", "-" + job.pid()).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new AssertionError("kill -INT -" + job.pid() + " failed");
        }
    }

    /** Waits until {@code file} contains {@code text}; fails if {@code job} ends first or 3 minutes pass. */
    static void awaitText(Path file, String text, Process job) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.readString(file, StandardCharsets.UTF_8).contains(text)) {
            if (!job.isAlive()) {
                throw new AssertionError("the process ended (exit " + job.exitValue() + ") before printing '" + text
                        + "':\n" + Files.readString(file, StandardCharsets.UTF_8));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no '" + text + "' in 3 minutes:\n" + Files.readString(file, StandardCharsets.UTF_8));
            }
            Thread.sleep(50);
        }
    }

    /**
     * The background runtimes the tests start exit two minutes after their last script (not the default
     * fifteen), so that a test run leaves none behind for long.
     */
    static Map<String, String> withDaemonDefaults(Map<String, String> env) {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.putIfAbsent("CLOACA_DAEMON_IDLE_SECONDS", "120");
        return all;
    }

    static Result run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        return runWithInput(env, "", args);
    }

    /** Runs the launcher with {@code input} as its standard input. */
    static Result runWithInput(Map<String, String> env, String input, String... args)
            throws IOException, InterruptedException {
        return exec(command(args), ROOT, env, input);
    }

    /** Runs {@code command} in {@code cwd} with {@code input} as its standard input, and waits for it. */
    static Result exec(List<String> command, Path cwd, Map<String, String> env, String input)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("cloaca-out", ".txt");
        Path err = Files.createTempFile("cloaca-err", ".txt");
        try {
            Path in = Files.createTempFile("cloaca-in", ".txt");
            Files.writeString(in, input, StandardCharsets.UTF_8);
            ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectInput(in.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().putAll(withDaemonDefaults(env));
            Process p = pb.start();
            in.toFile().deleteOnExit();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish in 5 minutes");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
