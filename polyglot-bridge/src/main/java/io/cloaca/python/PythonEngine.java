package io.cloaca.python;

import org.graalvm.polyglot.Engine;

/**
 * The one polyglot {@link Engine} of this JVM. Contexts created on a shared engine start several times
 * faster than the first one (reference/graalpy.md §3); the engine holds no user state, so sharing it
 * does not couple runtimes.
 */
final class PythonEngine {

    private PythonEngine() {
    }

    private static final class Holder {
        static final Engine ENGINE = Engine.newBuilder("python")
                .option("engine.WarnInterpreterOnly", "false")
                .build();
    }

    static Engine get() {
        return Holder.ENGINE;
    }
}
