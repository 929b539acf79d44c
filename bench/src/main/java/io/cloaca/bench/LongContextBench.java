package io.cloaca.bench;

import io.cloaca.engine.context.Context;
import io.cloaca.python.PythonRuntime;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A long list of records through a context under GraalPy: {@code Context.set} (pickled, checked and
 * copied by the JVM) against the walk in Python it used before and against {@code json.dumps} of the same
 * list (the least a conversion to JSON costs); a task's input read by the way contexts reach
 * Python now (parsed by the JVM, handed over pickled) against GraalPy's {@code json.loads} of the same text
 * (the way before, whose time grows with the square of a list's length); and {@code Context.get}'s copy (a
 * pickle round trip) against the recursive copy it replaced; in the same interpreter and run.
 */
final class LongContextBench {

    /**
     * Times each way {@code argv[2]} times, after a call untimed, on a list of {@code argv[1]} records and
     * writes the best of each, in ms, to the JSON file {@code argv[3]}. The baselines are written out here
     * as they were.
     */
    static final String SCRIPT = """
            import json, sys, time
            import cloaca
            from cloaca._json import _copy, _unpickle, _walked

            def recursive_copy(value):
                if isinstance(value, dict):
                    return {k: recursive_copy(v) for k, v in value.items()}
                if isinstance(value, list):
                    return [recursive_copy(v) for v in value]
                return value

            def best(fn, repeats):
                fn()  # untimed: the JVM's side of a way runs compiled from its second call or so
                times = []
                for _ in range(repeats):
                    start = time.perf_counter()
                    fn()
                    times.append((time.perf_counter() - start) * 1000.0)
                return min(times)

            records, repeats = int(sys.argv[1]), int(sys.argv[2])
            rows = [{"id": i, "name": f"row {i}", "score": i / 2, "tags": ["a", "b"]} for i in range(records)]
            text = json.dumps({"rows": rows})
            if _unpickle(cloaca._host.pickledJson(text)) != json.loads(text):
                raise AssertionError("the two ways of reading the input disagree")
            figures = {
                "set": best(lambda: cloaca.Context().set("rows", rows), repeats),
                "walk": best(lambda: _walked(rows, "value of 'rows'"), repeats),
                "json_dumps": best(lambda: json.dumps(rows), repeats),
                "json_loads": best(lambda: json.loads(text), repeats),
                "pickled": best(lambda: _unpickle(cloaca._host.pickledJson(text)), repeats),
                "recursive_copy": best(lambda: recursive_copy(rows), repeats),
                "copy": best(lambda: _copy(rows), repeats),
            }
            with open(sys.argv[3], "w") as out:
                json.dump(figures, out)
            """;

    private final Scale scale;
    private final PrintStream progress;

    LongContextBench(Scale scale, PrintStream progress) {
        this.scale = scale;
        this.progress = progress;
    }

    private int records() {
        return switch (scale) {
            // The recursive copy, this table's baseline, needs 0.7 GB of heap and 5 s for 20,000 records and
            // ran out of memory at 50,000 (see _json.py).
            case FULL -> 20_000;
            case QUICK -> 5_000;
            case SMOKE -> 200;
        };
    }

    private int repeats() {
        return scale == Scale.SMOKE ? 1 : 3;
    }

    void run(BenchReport report) throws Exception {
        Map<String, Double> ms = measure();
        String list = String.format(java.util.Locale.ROOT, "%,d records", records());
        report.table(new BenchReport.Table("Python: a list of " + list + " through a context, GraalPy interpreted, "
                + "ms (lower is better)", new String[] {"Step", "Now", "Baseline (same run)", "vs baseline"},
                List.of(row("Context.set (checked and copied by the JVM)", ms.get("set"), "walk in Python",
                                ms.get("walk")),
                        row("Context.set (checked and copied by the JVM)", ms.get("set"), "json.dumps",
                                ms.get("json_dumps")),
                        row("A task's input read (JVM-parsed, unpickled)", ms.get("pickled"),
                                "json.loads", ms.get("json_loads")),
                        row("Context.get's copy (pickle round trip)", ms.get("copy"),
                                "recursive copy", ms.get("recursive_copy")))));
        report.note("Long context: " + list + " of four fields each (an int, a str, a float, a list of two str), "
                + "best of " + repeats() + " after one untimed call, in one GraalPy interpreter on this JVM "
                + "(interpreted); the baselines are how set checked a value, how a task read its input and how get "
                + "copied a value before 2026-12-03 (the walk is still what set falls back to for anything but plain "
                + "values); json.dumps is the least set's conversion could cost.");
    }

    private static String[] row(String step, double now, String baselineName, double baseline) {
        return new String[] {step, Format.ms(now) + " ms", baselineName + " " + Format.ms(baseline) + " ms",
                baseline >= now ? Format.times(baseline, now) + " faster" : Format.times(now, baseline) + " slower"};
    }

    private Map<String, Double> measure() throws Exception {
        Path results = Files.createTempFile("cloaca-bench-context", ".json");
        try (PythonRuntime python = PythonRuntime.builder().out(progress).err(progress)
                .arguments(List.of("<bench>", Integer.toString(records()), Integer.toString(repeats()),
                        results.toString())).build()) {
            int status = python.runSource(SCRIPT, "<bench>");
            if (status != 0) {
                throw new IllegalStateException("the long-context script exited " + status + " (its error is above)");
            }
            return Context.JSON.readValue(Files.readString(results),
                    Context.JSON.getTypeFactory().constructMapType(Map.class, String.class, Double.class));
        } finally {
            Files.deleteIfExists(results);
        }
    }
}
