package io.cloaca.python;

import org.graalvm.polyglot.Engine;

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

    /** Whether this JVM runs the optimizing Truffle runtime (JVMCI plus the Graal compiler). */
    static boolean optimizingRuntime() {
        return !INTERPRETED.equals(Compiling.ENGINE.getImplementationName());
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
