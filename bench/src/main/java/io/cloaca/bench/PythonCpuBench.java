package io.cloaca.bench;

import io.cloaca.python.PythonRuntime;
import org.graalvm.polyglot.Value;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * CPU-bound Python (issue 12 items 1 and 2): one pure-Python body (an arithmetic loop and a recursive
 * {@code fib(22)}) timed call by call, under {@code python3}, GraalPy interpreted and GraalPy JIT-compiled,
 * all in this run; then two worker threads calling it in one context (one GIL) against a context each
 * on the shared engine. Each call is timed inside Python with {@code time.perf_counter}, the same way
 * in every runtime.
 */
final class PythonCpuBench {

    static final String BODY = """
            def fib(n):
                return n if n < 2 else fib(n - 1) + fib(n - 2)

            def body():
                s = 0
                for i in range(100_000):
                    s += (i * i) % 7
                return s + fib(22)

            def timed(calls):
                import time
                times = []
                for _ in range(calls):
                    start = time.perf_counter()
                    body()
                    times.append((time.perf_counter() - start) * 1000.0)
                return times
            """;

    /** Warm figure: the best of this many last calls. */
    static final int BEST_OF = 8;

    private final Scale scale;
    private final PrintStream progress;
    private final Consumer<String> step;

    /**
     * @param progress where the runtimes' own output goes
     * @param step     told what is measured next, for progress lines
     */
    PythonCpuBench(Scale scale, PrintStream progress, Consumer<String> step) {
        this.scale = scale;
        this.progress = progress;
        this.step = step;
    }

    /** Calls of each series: CPython and the interpreter are warm after a few; the JIT needs many. */
    private int calls(boolean jit) {
        return switch (scale) {
            case FULL -> jit ? 300 : 3 + BEST_OF;
            case QUICK -> jit ? 120 : 2 + BEST_OF;
            case SMOKE -> 2;
        };
    }

    /** Calls per worker thread in the parallel measurement, after each context's warm-up. */
    private int parallelCalls(boolean jit) {
        return switch (scale) {
            case FULL -> jit ? 400 : 12;
            case QUICK -> jit ? 150 : 6;
            case SMOKE -> 1;
        };
    }

    void run(BenchReport report) throws Exception {
        String jitMissing = PythonRuntime.jitUnavailableReason();
        step.accept("CPU-bound Python under python3");
        double[] cpython = cpython(calls(false));
        step.accept("CPU-bound Python, GraalPy interpreted");
        double[] interpreted = graalPy(false, calls(false));
        double[] jit = null;
        if (jitMissing == null) {
            step.accept("CPU-bound Python, GraalPy JIT (" + calls(true) + " calls, including warm-up)");
            jit = graalPy(true, calls(true));
        }

        List<String[]> rows = new ArrayList<>();
        double baseline = cpython == null ? Double.NaN : best(cpython);
        String base = cpython == null ? "python3 not found" : "python3 " + Format.ms(baseline) + " ms";
        if (cpython != null) {
            rows.add(new String[] {"python3 (" + cpythonVersion() + ")", warm(cpython), "-", "-",
                    "first call " + Format.ms(cpython[0]) + " ms"});
        }
        rows.add(new String[] {"GraalPy interpreted", warm(interpreted), base, versus(best(interpreted), baseline),
                "first call " + Format.ms(interpreted[0]) + " ms"});
        if (jit != null) {
            rows.add(new String[] {"GraalPy JIT", warm(jit), base, versus(best(jit), baseline),
                    warmUp(jit, baseline)});
        } else {
            rows.add(new String[] {"GraalPy JIT", "not measured", base, "-", jitMissing});
        }
        report.table(new BenchReport.Table("Python CPU-bound body, ms per call (lower is better)",
                new String[] {"Runtime", "Warm (best of last " + BEST_OF + ")", "Baseline (same run)",
                        "vs CPython", "Warm-up"}, rows));

        List<String[]> parallel = new ArrayList<>();
        parallel.add(parallel(false));
        if (jitMissing == null) {
            parallel.add(parallel(true));
        }
        report.table(new BenchReport.Table("Python CPU-bound body on 2 worker threads: one context vs a context per "
                + "worker (shared engine), calls/s", new String[] {"Runtime", "1 thread, one context",
                "2 threads, one context (one GIL): before / after", "2 threads, a context each",
                "Context each vs the better one-context figure"}, parallel));

        report.note("Python CPU-bound body: `fib(22)` plus a 100,000-step arithmetic loop, each call timed with "
                + "time.perf_counter inside the runtime; warm = best of the last " + BEST_OF + " of "
                + calls(false) + " calls (JIT: of " + calls(true) + " calls, the first ones being its warm-up). "
                + "On a JVM that can compile, GraalPy interpreted is an engine with engine.Compilation=false beside "
                + "the JIT's.");
        report.note("Parallel Python: 2 Java threads each call the body " + parallelCalls(false)
                + " times (JIT: " + parallelCalls(true) + ") after a warm-up, either on one context or on one "
                + "context each; the clock runs from both starting to both finishing. One context is measured before "
                + "and again after the contexts each (a later runtime finds more of the engine's code compiled); the "
                + "ratio divides by the better of the two. The 1-thread column is one thread making the same number "
                + "of calls on the warm context alone.");
    }

    private static String callRate(double perSecond) {
        return perSecond < 10 ? String.format(java.util.Locale.ROOT, "%.2f calls/s", perSecond)
                : Format.rate(perSecond, "calls");
    }

    private static String warm(double[] ms) {
        return Format.ms(best(ms)) + " ms";
    }

    private static String versus(double ms, double cpython) {
        if (Double.isNaN(cpython)) {
            return "-";
        }
        return ms <= cpython ? Format.times(cpython, ms) + " faster" : Format.times(ms, cpython) + " slower";
    }

    /** Best of the last {@link #BEST_OF} calls (all of them if fewer). */
    static double best(double[] ms) {
        return Arrays.stream(ms, Math.max(0, ms.length - BEST_OF), ms.length).min().orElse(Double.NaN);
    }

    /**
     * When the JIT overtakes CPython: the first call faster than CPython's warm figure, and the call from
     * which every later one is, each with the seconds spent in calls until then.
     */
    static String warmUp(double[] ms, double cpython) {
        if (Double.isNaN(cpython)) {
            return "first call " + Format.ms(ms[0]) + " ms";
        }
        int first = -1;
        int stays = ms.length;
        for (int i = 0; i < ms.length; i++) {
            if (first < 0 && ms[i] < cpython) {
                first = i;
            }
        }
        while (stays > 0 && ms[stays - 1] < cpython) {
            stays--;
        }
        if (first < 0) {
            return "slower than CPython in all " + ms.length + " calls";
        }
        String text = "beats CPython at call " + (first + 1) + " (" + seconds(ms, first) + " s in)";
        return stays < ms.length
                ? text + ", every call from " + (stays + 1) + " (" + seconds(ms, stays) + " s in)"
                : text + ", but not steadily within " + ms.length + " calls";
    }

    private static String seconds(double[] ms, int calls) {
        return String.format(java.util.Locale.ROOT, "%.1f", Arrays.stream(ms, 0, calls).sum() / 1000);
    }

    private double[] graalPy(boolean jit, int calls) {
        try (PythonRuntime python = runtime(jit)) {
            return toArray(python.eval("timed").execute(calls));
        }
    }

    private PythonRuntime runtime(boolean jit) {
        PythonRuntime python = PythonRuntime.builder().jit(jit).out(progress).err(progress).build();
        python.eval(BODY);
        return python;
    }

    private static double[] toArray(Value list) {
        double[] out = new double[(int) list.getArraySize()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.getArrayElement(i).asDouble();
        }
        return out;
    }

    /** The body under the machine's {@code python3}, or null if there is none. */
    private static double[] cpython(int calls) throws InterruptedException {
        String program = BODY + "\nimport sys\nprint(' '.join(repr(t) for t in timed(int(sys.argv[1]))))\n";
        String out = python3(program, Integer.toString(calls));
        return out == null ? null : Arrays.stream(out.trim().split(" ")).mapToDouble(Double::parseDouble).toArray();
    }

    private static String cpythonVersion() throws InterruptedException {
        String out = python3("import platform; print(platform.python_version())");
        return out == null ? "?" : "CPython " + out.trim();
    }

    private static String python3(String program, String... args) throws InterruptedException {
        List<String> command = new ArrayList<>(List.of("python3", "-c", program));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor() == 0 ? out : null;
        } catch (IOException notInstalled) {
            return null;
        }
    }

    /** Calls/s of 2 threads on one context, of 2 threads on a context each, and the ratio. */
    private String[] parallel(boolean jit) throws Exception {
        String label = jit ? "GraalPy JIT" : "GraalPy interpreted";
        int calls = parallelCalls(jit);
        int warmUp = jit ? calls(true) : 2;
        step.accept("2 workers, " + label + ": one context");
        double alone;
        double shared;
        try (PythonRuntime one = runtime(jit)) {
            Value timed = one.eval("timed");
            timed.execute(warmUp);
            long start = System.nanoTime();
            timed.execute(calls);
            alone = calls / ((System.nanoTime() - start) / 1e9);
            shared = twoThreads(timed, timed, calls);
        }
        step.accept("2 workers, " + label + ": a context per worker");
        double perWorker;
        try (PythonRuntime a = runtime(jit); PythonRuntime b = runtime(jit)) {
            Value ta = a.eval("timed");
            Value tb = b.eval("timed");
            twoThreads(ta, tb, warmUp);
            perWorker = twoThreads(ta, tb, calls);
        }
        // One context again: a runtime made later finds more of the shared engine's code compiled, which
        // favours whatever is measured last. The ratio takes the better one-context figure.
        step.accept("2 workers, " + label + ": one context, again");
        double sharedAfter;
        try (PythonRuntime one = runtime(jit)) {
            Value timed = one.eval("timed");
            timed.execute(warmUp);
            sharedAfter = twoThreads(timed, timed, calls);
        }
        return new String[] {label, callRate(alone), callRate(shared) + " / " + callRate(sharedAfter),
                callRate(perWorker), String.format(java.util.Locale.ROOT, "%.2fx",
                perWorker / Math.max(shared, sharedAfter))};
    }

    /** Calls per second of two threads each calling {@code timed(calls)} on its function at once. */
    private static double twoThreads(Value first, Value second, int calls) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            long start = System.nanoTime();
            Future<?> a = pool.submit(() -> first.execute(calls));
            Future<?> b = pool.submit(() -> second.execute(calls));
            a.get();
            b.get();
            return 2.0 * calls / ((System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdown();
            pool.awaitTermination(1, TimeUnit.MINUTES);
        }
    }
}
