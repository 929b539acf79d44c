package io.cloaca.cli.daemon;

import io.cloaca.python.PythonRuntime;

import java.io.OutputStream;

/**
 * Makes a standby daemon's first session as fast as its later ones: runs a one-task workflow on a
 * throwaway runtime, so that the engine has made a context, GraalPy's and the engine's classes are
 * loaded and the code that every script runs is compiled. Nothing of it stays but the warm engine.
 */
final class DaemonWarmUp {

    private static final String SCRIPT = """
            import cloaca

            @cloaca.task(id="warm")
            def warm(context):
                context.set("warm", True)
                return context

            def build():
                builder = cloaca.WorkflowBuilder("warm")
                builder.add_task("warm")
                return builder.build()

            cloaca.register_workflow_constructor("warm", build)
            with cloaca.DefaultRunner(":memory:") as runner:
                runner.execute("warm", cloaca.Context())
            """;

    private DaemonWarmUp() {
    }

    /** Runs the warm-up; a failure only costs the warmth (the sessions report their own errors). */
    static void run() {
        try (PythonRuntime python = PythonRuntime.builder().out(OutputStream.nullOutputStream())
                .err(OutputStream.nullOutputStream()).jit(PythonRuntime.jitUnavailableReason() == null).build()) {
            python.eval(SCRIPT);
        } catch (RuntimeException e) {
            System.err.println("cloaca daemon: warm-up failed: " + e);
        }
    }
}
