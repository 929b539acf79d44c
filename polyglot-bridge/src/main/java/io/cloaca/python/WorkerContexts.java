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
 * on a polyglot engine of its own, which imports the script as module {@value #MODULE} (or loads the files
 * a Java application loaded, in the same order) before its first task, then runs the Python tasks they
 * declared. One interpreter has one GIL, so without them Python task bodies take turns; with them,
 * CPU-bound bodies run on all cores. Engines are not shared because contexts sharing one ran each call
 * 1.4-1.9x slower while another was busy (docs/benchmarks.md, "Parallel Python").
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

    /**
     * What every worker interpreter runs, in order, before its first task: a function of the {@code cloaca}
     * package answering None, or what went wrong.
     *
     * @param what      names it in the line that turns the workers off
     * @param arguments the function's
     */
    private record Load(String what, String function, Object... arguments) {
    }

    /** A worker's interpreter, used by one thread at a time (it is borrowed). */
    static final class Worker {
        private final Engine engine;
        private final Context context;
        private final Value cloaca;
        private final PythonErrors errors;
        /** Task callables by key: what the loads declared, and embedded tasks once looked up. */
        private final Map<String, Value> invokers;
        private final HeldOutput out;
        private final HeldOutput err;
        /** How many of {@link #loads} this interpreter has run. */
        private int loaded;

        private Worker(Engine engine, Context context, Value cloaca, Map<String, Value> invokers, HeldOutput out,
                       HeldOutput err) {
            this.engine = engine;
            this.context = context;
            this.cloaca = cloaca;
            this.errors = new PythonErrors(cloaca);
            this.invokers = invokers;
            this.out = out;
            this.err = err;
        }

        PythonErrors errors() {
            return errors;
        }

        /** The callable of the task under {@code key}, or null if this interpreter has none. */
        Value invoker(String key) {
            Value invoker = invokers.get(key);
            if (invoker == null && key.startsWith(EMBEDDED)) {
                invoker = cloaca.getMember("_embedded_task").execute(key.substring(EMBEDDED.length()));
                if (invoker.isNull()) {
                    return null;
                }
                invokers.put(key, invoker);
            }
            return invoker;
        }

        /** Runs a load with its output held back (it was shown when the script's interpreter ran it). */
        private String run(Load load) {
            out.hold();
            err.hold();
            try {
                Value failure = cloaca.getMember(load.function()).execute(load.arguments());
                return failure.isNull() ? null : failure.asString();
            } finally {
                out.release();
                err.release();
            }
        }

        private void close() {
            try {
                context.close(true);
            } catch (PolyglotException | IllegalStateException ignored) {
                // closed already, or its thread is gone
            }
            engine.close(true);
        }
    }

    /** Key prefix of a task that a Java application took by id ({@code Cloaca.python().task(id)}). */
    private static final String EMBEDDED = "embedded task ";

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
    private final List<Load> loads = new CopyOnWriteArrayList<>();
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

    /** The script that {@code _run_main} runs with these arguments: workers import it as {@value #MODULE}. */
    void script(Object[] runMainArguments) {
        loads.add(new Load("the script could not be imported as " + MODULE, "_import_as_worker",
                runMainArguments.clone()));
    }

    /** A workflow file a Java application loaded: workers load it too, as a module named after the file. */
    void file(String fileName, String source) {
        loads.add(new Load(fileName + " could not be loaded", "_load_file_in_worker", source, fileName));
    }

    /** The key of a task that a Java application took by id from the loaded files. */
    static String embeddedTask(String taskId) {
        return EMBEDDED + taskId;
    }

    /**
     * An idle worker interpreter that has the task under {@code key} (a namespace, or
     * {@link #embeddedTask}), made now if fewer than the limit exist; empty if none is free, or the task
     * is the script's interpreter's to run. Give it back with {@link #release} when the call returns.
     */
    Optional<Worker> acquire(String key) {
        if (off != null || loads.isEmpty()) {
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
        if (!catchUp(worker) || worker.invoker(key) == null) {
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

    /** Runs the loads {@code worker} has not run yet; false (and workers off) if one fails. */
    private boolean catchUp(Worker worker) {
        while (worker.loaded < loads.size()) {
            Load load = loads.get(worker.loaded);
            String failure = worker.run(load);
            if (failure != null) {
                turnOff(load.what() + " (" + failure + ")");
                return false;
            }
            worker.loaded++;
        }
        return true;
    }

    /** A new interpreter, or null at the limit or if it could not start. */
    private Worker make() {
        if (made.incrementAndGet() > limit) {
            made.decrementAndGet();
            return null;
        }
        Engine engine = PythonEngine.create(jit);
        Map<String, Value> invokers = new ConcurrentHashMap<>();
        HeldOutput heldOut = new HeldOutput(out);
        HeldOutput heldErr = new HeldOutput(err);
        try {
            Context context = contexts.create(engine, heldOut, heldErr);
            Value cloaca = PythonRuntime.install(context, errors -> CloacaHost.forWorker(errors, invokers, jit));
            Worker worker = new Worker(engine, context, cloaca, invokers, heldOut, heldErr);
            workers.add(worker);
            return worker;
        } catch (PolyglotException | IllegalStateException e) {
            turnOff("a worker's interpreter could not start (" + e.getMessage() + ")");
            engine.close(true);
            return null;
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

    /** A stream that passes what is written on, except while held, when it drops it. */
    private static final class HeldOutput extends OutputStream {
        private final OutputStream target;
        private volatile boolean released = true;

        HeldOutput(OutputStream target) {
            this.target = target;
        }

        void hold() {
            released = false;
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
