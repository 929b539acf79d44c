package io.cloaca.bench;

import io.cloaca.engine.workflow.WorkflowRegistry;
import io.cloaca.python.PythonRuntime;

import java.io.OutputStream;

/**
 * The Python workflows measured, the same shapes as {@link JavaWorkflows}: tasks declared with
 * {@code @cloaca.task} in Python source evaluated in one {@link PythonRuntime}, whose registry the
 * benchmark's runners use. Every call crosses into GraalPy (under its GIL) with the context as JSON.
 */
final class PythonWorkflows implements AutoCloseable {

    static final String ONE = "bench_py_one";
    static final String CHAIN = "bench_py_chain";

    private static final String SOURCE = """
            import cloaca

            with cloaca.WorkflowBuilder("bench_py_one"):
                @cloaca.task(id="t")
                def t(context):
                    return context

            def _chain_task(i):
                def body(context):
                    return context
                body.__name__ = f"t{i}"
                return cloaca.task(id=f"t{i}", dependencies=[f"t{i - 1}"] if i else None)(body)

            with cloaca.WorkflowBuilder("bench_py_chain"):
                for _i in range(%d):
                    _chain_task(_i)
            """.formatted(BenchOptions.CHAIN_LENGTH);

    private final PythonRuntime runtime;

    PythonWorkflows(OutputStream out, OutputStream err) {
        this.runtime = PythonRuntime.builder().out(out).err(err).build();
        try {
            runtime.eval(SOURCE);
        } catch (RuntimeException e) {
            runtime.close();
            throw e;
        }
    }

    WorkflowRegistry registry() {
        return runtime.registry();
    }

    /** E.g. "GraalPy 25.0.3 (Python 3.12.8), Truffle runtime: Interpreted". */
    String version() {
        String python = runtime.eval("import sys, platform; "
                + "'GraalPy ' + '.'.join(str(n) for n in sys.implementation.version[:3])"
                + " + ' (Python ' + platform.python_version() + ')'").asString();
        String truffle = runtime.context().getEngine().getImplementationName();
        return python + ", Truffle runtime: " + truffle
                + (truffle.toLowerCase(java.util.Locale.ROOT).contains("interpreted")
                ? " (no JIT compilation of Python on this JVM)" : "");
    }

    @Override
    public void close() {
        runtime.close();
    }
}
