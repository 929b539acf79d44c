package io.cloaca.python;

import org.graalvm.polyglot.Engine;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The polyglot {@link Engine}s of this JVM: one that only interprets Python (the default) and, made on
 * first use, one that JIT-compiles it when the JVM runs the optimizing Truffle runtime. Contexts created
 * on a shared engine start several times faster than the first one (reference/graalpy.md §3); an engine
 * holds no user state, so sharing it does not couple runtimes.
 */
final class PythonEngine {

    /** {@link Engine#getImplementationName()} of Truffle's fallback runtime, which cannot compile. */
    private static final String INTERPRETED = "Interpreted";

    private PythonEngine() {
    }

    private static final class Interpreting {
        static final Engine ENGINE = interpreting();
    }

    private static final class Compiling {
        static final Engine ENGINE = builder().build();
    }

    static Engine get(boolean jit) {
        return jit ? Compiling.ENGINE : Interpreting.ENGINE;
    }

    /**
     * A new engine of the caller's own, which it must close. Contexts on one shared engine run Python
     * 1.4-1.9x slower each while several are busy at once (docs/benchmarks.md, "Parallel Python"), so a
     * context meant to run beside others gets its own.
     */
    static Engine create(boolean jit) {
        return jit ? builder().build() : interpreting();
    }

    /** Whether this JVM runs the optimizing Truffle runtime (JVMCI plus the Graal compiler). */
    static boolean optimizingRuntime() {
        return !INTERPRETED.equals(Compiling.ENGINE.getImplementationName());
    }

    /**
     * GraalPy's version, e.g. "25.0.3". The engine reports "Development Build" when its jar's manifest
     * lacks the version (as on surefire's class path), so the polyglot jar's name is read then.
     */
    static String version() {
        String version = Compiling.ENGINE.getVersion();
        if (version.matches("\\d+\\..*")) {
            return version;
        }
        try {
            String jar = Path.of(Engine.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .getFileName().toString();
            Matcher m = Pattern.compile("polyglot-(\\d+\\.[\\d.]+)\\.jar").matcher(jar);
            return m.matches() ? m.group(1) : version;
        } catch (URISyntaxException | RuntimeException e) {
            return version;
        }
    }

    private static Engine.Builder builder() {
        return Engine.newBuilder("python").option("engine.WarnInterpreterOnly", "false");
    }

    private static Engine interpreting() {
        Engine engine = builder().build();
        if (INTERPRETED.equals(engine.getImplementationName())) {
            return engine;
        }
        // A JVM started for the JIT: the default runtime must still interpret (`cloaca bench` compares both
        // in one process, and embedders opt in per runtime). The switch is an experimental option.
        engine.close();
        return builder().allowExperimentalOptions(true).option("engine.Compilation", "false").build();
    }
}
