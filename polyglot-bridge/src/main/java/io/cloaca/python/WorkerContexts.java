package io.cloaca.python;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Interpreters for the worker threads ({@link PythonRuntime.Builder#workerContexts}): up to a limit, each
 * on a polyglot engine of its own, importing the script as module {@value #MODULE} when first made, then
 * running the Python tasks the script declared. One interpreter has one GIL, so without them Python task
 * bodies take turns; with them, CPU-bound bodies run on all cores. Engines are not shared because
 * contexts sharing one ran each call 1.4-1.9x slower while another was busy (docs/benchmarks.md,
 * "Parallel Python").
 *
 * <p>A task's call borrows an idle interpreter, the one its thread used last if it can, so that a thread
 * mostly keeps to one; when none is idle and the limit is reached, the call runs in the script's
 * interpreter, as it would without workers. When the script cannot be imported in a worker's interpreter
 * (it opens a runner outside {@code if __name__ == "__main__":}, say), one line says why and every task
 * runs in the script's interpreter from then on.
 */
final class WorkerContexts implements AutoCloseable {

    /** The script's module name in a worker's interpreter: not {@code __main__}, so its main block is skipped. */
    static final String MODULE = "__cloaca_worker__";

    /** Makes a worker's context on its engine, writing to the given streams. */
    @FunctionalInterface
    interface ContextFactory {
        Context create(Engine engine, OutputStream out, OutputStream err);
    }

    /** A worker's interpreter: its Python callables for the tasks the script declared, by namespace. */
    record Worker(Engine engine, Context context, PythonErrors errors, Map<String, Value> invokers) {
        void close() {
            try {
                context.close(true);
            } catch (PolyglotException | IllegalStateException ignored) {
                // closed already, or its thread is gone
            }
            engine.close(true);
        }
    }

    private final int limit;
    private final boolean jit;
    private final ContextFactory contexts;
    private final OutputStream out;
    private final OutputStream err;
    /** Interpreters made (or being made), at most {@link #limit}. */
    private final AtomicInteger made = new AtomicInteger();
    private final List<Worker> workers = new CopyOnWriteArrayList<>();
    private final Queue<Worker> idle = new ConcurrentLinkedQueue<>();
    /** The interpreter each thread last used, which it takes again when it is idle. */
    private final ThreadLocal<Worker> last = new ThreadLocal<>();
    /** The arguments of {@code cloaca._launcher._import_as_worker}: the script's file name and source or null. */
    private volatile Object[] script;
    /** Why worker interpreters are off, or null. */
    private volatile String off;

    /** @param out and {@code err}: the script's streams, which the workers' tasks write to as well */
    WorkerContexts(int limit, boolean jit, ContextFactory contexts, OutputStream out, OutputStream err) {
        this.limit = limit;
        this.jit = jit;
        this.contexts = contexts;
        this.out = out;
        this.err = err;
    }

    /** The script the worker interpreters import: the arguments {@code _run_main} was given. */
    void imports(Object[] runMainArguments) {
        script = runMainArguments.clone();
    }

    /**
     * An idle worker interpreter in which the script declared the task {@code namespace}, made now if
     * fewer than the limit exist; empty if none is free, or the task is the script's interpreter's to run.
     * Give it back with {@link #release} when the call returns.
     */
    Optional<Worker> acquire(String namespace) {
        if (off != null || script == null) {
            return Optional.empty();
        }
        Worker preferred = last.get();
        Worker worker = preferred != null && idle.remove(preferred) ? preferred : idle.poll();
        if (worker == null) {
            worker = make();
            if (worker == null) {
                return Optional.empty();
            }
        }
        if (!worker.invokers().containsKey(namespace)) {
            release(worker);
            return Optional.empty();
        }
        last.set(worker);
        return Optional.of(worker);
    }

    /** Gives {@code worker} back once a call in it has returned. */
    void release(Worker worker) {
        idle.add(worker);
    }

    /** A new interpreter that imported the script, or null at the limit or if it could not. */
    private Worker make() {
        if (made.incrementAndGet() > limit) {
            made.decrementAndGet();
            return null;
        }
        Engine engine = PythonEngine.create(jit);
        Map<String, Value> invokers = new ConcurrentHashMap<>();
        // The import's own output (a module-level print) was shown when the script ran; tasks' output is not held back.
        HeldOutput heldOut = new HeldOutput(out);
        HeldOutput heldErr = new HeldOutput(err);
        Worker worker = null;
        try {
            Context context = contexts.create(engine, heldOut, heldErr);
            Value cloaca = PythonRuntime.install(context, errors -> CloacaHost.forWorker(errors, invokers));
            worker = new Worker(engine, context, new PythonErrors(cloaca), invokers);
            workers.add(worker);
            Value failure = cloaca.getMember("_import_as_worker").execute(script);
            if (!failure.isNull()) {
                turnOff("the script could not be imported as " + MODULE + " (" + failure.asString() + ")");
                return null;
            }
            return worker;
        } catch (PolyglotException | IllegalStateException e) {
            turnOff("a worker's interpreter could not start (" + e.getMessage() + ")");
            if (worker == null) {
                engine.close(true);
            }
            return null;
        } finally {
            heldOut.release();
            heldErr.release();
        }
    }

    /** Once: says why, and sends every thread's tasks to the script's interpreter from now on. */
    private synchronized void turnOff(String why) {
        if (off != null) {
            return;
        }
        off = why;
        try {
            err.write(("cloaca: Python tasks run in the script's interpreter only: " + why + ". Worker "
                    + "interpreters import the script without running its if __name__ == \"__main__\": block, "
                    + "so open runners there." + System.lineSeparator()).getBytes(StandardCharsets.UTF_8));
            err.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Closes every worker's interpreter and engine; runners must have stopped. */
    @Override
    public void close() {
        off = "closed";
        for (Worker worker : workers) {
            worker.close();
        }
        workers.clear();
    }

    /** A stream that drops what is written until released, then passes it on. */
    private static final class HeldOutput extends OutputStream {
        private final OutputStream target;
        private volatile boolean released;

        HeldOutput(OutputStream target) {
            this.target = target;
        }

        void release() {
            released = true;
        }

        @Override
        public void write(int b) throws IOException {
            if (released) {
                target.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (released) {
                target.write(b, off, len);
            }
        }

        @Override
        public void flush() throws IOException {
            if (released) {
                target.flush();
            }
        }
    }
}
