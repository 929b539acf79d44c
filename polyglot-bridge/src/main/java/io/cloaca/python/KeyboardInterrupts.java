package io.cloaca.python;

import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Ctrl-C as the {@code python} command delivers it: SIGINT raises {@code KeyboardInterrupt} in the
 * thread that built the runtime (the script's main thread), so {@code except}, {@code finally} and
 * {@code __exit__} run.
 *
 * <p>GraalPy's own SIGINT handler ({@code python.InstallSignalHandlers}) raises it at the thread's next
 * Python instruction and cuts {@code time.sleep} short, but a thread waiting in Java (a runner's
 * {@code execute} or {@code wait_for}) would only see it once the workflow ended. This handler sits in
 * front of GraalPy's: a wait made through {@link #waitOnMain} is woken and raises the
 * {@code KeyboardInterrupt} itself; any other moment is left to GraalPy.
 *
 * <p>When runners stop because of an interrupt, one line on stderr says what they wait for, and a
 * second Ctrl-C meanwhile ends the process at once with status 130.
 */
final class KeyboardInterrupts implements SignalHandler {

    private static final Signal SIGINT = new Signal("INT");
    private static final int RUNNING = 0;
    private static final int WAITING = 1;
    private static final int INTERRUPTING = 2;
    private static final int INTERRUPTED = 3;

    private final Thread main;
    private final PrintStream err;
    private final Runnable onSecondInterrupt;
    /** The main thread's state: running Python, waiting in {@link #waitOnMain}, or being woken from that wait. */
    private final AtomicInteger state = new AtomicInteger(RUNNING);
    /** Runner shutdowns in progress because of an interrupt. */
    private final AtomicInteger stopping = new AtomicInteger();
    private volatile SignalHandler host;
    private volatile SignalHandler python;
    private PythonErrors errors;

    KeyboardInterrupts(Thread main, OutputStream err, Runnable onSecondInterrupt) {
        this.main = main;
        this.onSecondInterrupt = onSecondInterrupt;
        this.err = new PrintStream(err, true, StandardCharsets.UTF_8);
    }

    /**
     * Takes SIGINT from the JVM before GraalPy starts; until {@link #takeOverFromPython} a Ctrl-C still
     * ends the process as before.
     */
    void takeOverFromHost() {
        host = Signal.handle(SIGINT, this);
    }

    /** Puts this handler in front of the one GraalPy installed while its context was built. */
    void takeOverFromPython(PythonErrors errors) {
        this.errors = errors;
        SignalHandler previous = Signal.handle(SIGINT, this);
        if (previous != this) {
            python = previous;
        }
    }

    /** Gives SIGINT back to the JVM. */
    void release() {
        if (host != null) {
            Signal.handle(SIGINT, host);
        }
    }

    @Override
    public void handle(Signal signal) {
        if (stopping.get() > 0) {
            onSecondInterrupt.run();
            return;
        }
        SignalHandler target = python;
        if (target == null) {
            host.handle(signal);
        } else if (state.compareAndSet(WAITING, INTERRUPTING)) {
            main.interrupt();
            state.set(INTERRUPTED);
        } else {
            target.handle(signal);
        }
    }

    /** A Ctrl-C that reached this host by other means than a signal (a forwarding client). */
    void deliver() {
        handle(SIGINT);
    }

    /**
     * Runs {@code wait}, a Java call that may block for long; on the main thread a Ctrl-C wakes it and
     * raises {@code KeyboardInterrupt} instead of its result. Elsewhere it just runs.
     */
    <T> T waitOnMain(Supplier<T> wait) {
        if (python == null || Thread.currentThread() != main || !state.compareAndSet(RUNNING, WAITING)) {
            return wait.get();
        }
        T result;
        try {
            result = wait.get();
        } catch (RuntimeException e) {
            leaveWait();
            throw e;
        }
        leaveWait();
        return result;
    }

    private void leaveWait() {
        if (!state.compareAndSet(WAITING, RUNNING)) {
            // The flag must not outlive the wait: a later wait (e.g. a runner's shutdown) would end at once.
            while (state.get() == INTERRUPTING) {
                Thread.onSpinWait();
            }
            Thread.interrupted();
            state.set(RUNNING);
            throw errors.raise("KeyboardInterrupt", "");
        }
    }

    /**
     * Shuts {@code runners} down because of an interrupt: says on stderr what that waits for, and lets
     * a second Ctrl-C end the process meanwhile. Without this handler installed, just shuts them down.
     */
    void stopAfterInterrupt(List<Runner> runners) {
        if (python == null || runners.isEmpty()) {
            runners.forEach(Runner::shutdown);
            return;
        }
        // Armed before the line shows, so that a Ctrl-C answering it always ends the process.
        stopping.incrementAndGet();
        try {
            err.println(stoppingMessage(runners));
            runners.forEach(Runner::shutdown);
        } finally {
            stopping.decrementAndGet();
        }
    }

    /** "interrupted: stopping 1 runner, waiting up to 5 s for 1 running task". */
    static String stoppingMessage(List<Runner> runners) {
        int running = runners.stream().mapToInt(Runner::runningTasks).sum();
        String message = "interrupted: stopping " + plural(runners.size(), "runner");
        if (running == 0) {
            return message;
        }
        Duration grace = runners.stream().map(r -> r.config().shutdownGrace()).max(Duration::compareTo)
                .orElse(Duration.ZERO);
        String seconds = RunnerConfig.seconds(grace);
        return message + ", waiting up to " + seconds.substring(0, seconds.length() - 1) + " s for "
                + plural(running, "running task");
    }

    private static String plural(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
