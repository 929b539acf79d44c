package io.cloaca.bench;

import io.cloaca.python.PythonRuntime;
import org.graalvm.polyglot.Value;

import io.cloaca.engine.context.Context;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * CPU-bound Python (issue 12 items 1 and 2): one pure-Python body (an arithmetic loop and a recursive
 * {@code fib(22)}) timed call by call, under {@code python3}, GraalPy interpreted and GraalPy JIT-compiled,
 * all in this run, each call timed inside Python with {@code time.perf_counter}, the same way in every
 * runtime; then a workflow of tasks calling it on 2 workers, in the script's interpreter alone against
 * worker interpreters ({@code cloaca run --python-contexts}).
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

    /** Tasks of the parallel measurement's workflow, each one call of the body. */
    private int parallelTasks(boolean jit) {
        return switch (scale) {
            case FULL -> jit ? 400 : 16;
            case QUICK -> jit ? 150 : 8;
            case SMOKE -> 2;
        };
    }

    /** Executions of that workflow per runtime: the first includes the worker interpreters' start. */
    private int parallelRounds() {
        return switch (scale) {
            case FULL -> 5;
            case QUICK -> 3;
            case SMOKE -> 2;
        };
    }

    /**
     * The parallel measurement's script: a workflow of independent tasks that each call the body once,
     * run on 2 workers {@code rounds} times; each execution's seconds go to the JSON file {@code argv[3]}.
     */
    static final String PARALLEL_SCRIPT = BODY + """

            import json, sys, time
            import cloaca

            with cloaca.WorkflowBuilder("cpu") as builder:
                for i in range(int(sys.argv[1])):
                    @cloaca.task(id=f"cpu{i}")
                    def cpu(context):
                        body()
                        return context

            if __name__ == "__main__":
                config = cloaca.DefaultRunnerConfig(max_concurrent_tasks=2)
                with cloaca.DefaultRunner.with_config(":memory:", config) as runner:
                    seconds = []
                    for _ in range(int(sys.argv[2])):
                        start = time.perf_counter()
                        result = runner.execute("cpu", cloaca.Context())
                        if result.status != "Completed":
                            raise RuntimeError(f"the cpu workflow ended {result.status}: {result.error_message}")
                        seconds.append(time.perf_counter() - start)
                with open(sys.argv[3], "w") as out:
                    json.dump(seconds, out)
            """;

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
        report.table(new BenchReport.Table("Python CPU-bound tasks on 2 workers: the script's interpreter alone vs "
                + "worker interpreters (`run --python-contexts 2`), tasks/s", new String[] {"Runtime",
                "One interpreter (one GIL)", "Worker interpreters, first execution (their start included)",
                "Worker interpreters, warm", "Workers vs one interpreter (warm / first)"}, parallel));

        report.note("Python CPU-bound body: `fib(22)` plus a 100,000-step arithmetic loop, each call timed with "
                + "time.perf_counter inside the runtime; warm = best of the last " + BEST_OF + " of "
                + calls(false) + " calls (JIT: of " + calls(true) + " calls, the first ones being its warm-up). "
                + "On a JVM that can compile, GraalPy interpreted is an engine with engine.Compilation=false beside "
                + "the JIT's.");
        report.note("Parallel Python: a workflow of " + parallelTasks(false) + " independent tasks (JIT: "
                + parallelTasks(true) + "), each one call of the body, executed " + parallelRounds() + " times on a "
                + "`:memory:` runner with max_concurrent_tasks=2, in a runtime without worker interpreters and in one "
                + "with 2 (PythonRuntime.Builder.workerContexts, as `cloaca run --python-contexts 2`); warm = the best "
                + "of the executions after the first. Each worker interpreter starts on its first task, on an engine "
                + "of its own, and imports the script.");
    }

    private static String taskRate(double perSecond) {
        return perSecond < 10 ? String.format(java.util.Locale.ROOT, "%.2f tasks/s", perSecond)
                : Format.rate(perSecond, "tasks");
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

    /** Tasks/s of the workflow in one interpreter, with worker interpreters (first and warm), and the ratios. */
    private String[] parallel(boolean jit) throws Exception {
        String label = jit ? "GraalPy JIT" : "GraalPy interpreted";
        step.accept("2 workers, " + label + ": the script's interpreter alone");
        double[] one = executions(jit, 0);
        step.accept("2 workers, " + label + ": 2 worker interpreters");
        double[] workers = executions(jit, 2);
        int tasks = parallelTasks(jit);
        double oneRate = tasks / warmest(one);
        double firstRate = tasks / workers[0];
        double warmRate = tasks / warmest(workers);
        return new String[] {label, taskRate(oneRate), taskRate(firstRate), taskRate(warmRate),
                String.format(java.util.Locale.ROOT, "%.2fx / %.2fx", warmRate / oneRate, firstRate / oneRate)};
    }

    /** Seconds of each execution of the parallel script's workflow. */
    private double[] executions(boolean jit, int workerContexts) throws Exception {
        Path results = Files.createTempFile("cloaca-bench-parallel", ".json");
        try (PythonRuntime python = PythonRuntime.builder().jit(jit).workerContexts(workerContexts).out(progress)
                .err(progress).arguments(List.of("<bench>", Integer.toString(parallelTasks(jit)),
                        Integer.toString(parallelRounds()), results.toString())).build()) {
            int status = python.runSource(PARALLEL_SCRIPT, "<bench>");
            if (status != 0) {
                throw new IllegalStateException("the parallel Python script exited " + status + " (its error is above)");
            }
            return Context.JSON.readValue(Files.readString(results), double[].class);
        } finally {
            Files.deleteIfExists(results);
        }
    }

    /** The fastest execution after the first (the first, if it is the only one). */
    private static double warmest(double[] seconds) {
        return seconds.length == 1 ? seconds[0] : Arrays.stream(seconds, 1, seconds.length).min().orElseThrow();
    }
}
