package io.cloaca.bench;

import io.cloaca.engine.workflow.TaskBody;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;

import java.util.List;

/** The Java workflows measured: trivial bodies (return the input) and a probed chain. */
final class JavaWorkflows {

    static final String ONE = "bench_java_one";
    static final String CHAIN = "bench_java_chain";
    static final String PROBED_CHAIN = "bench_java_chain_probed";

    private final WorkflowRegistry registry = new WorkflowRegistry();
    private final DispatchProbe probe = new DispatchProbe();

    JavaWorkflows() {
        TaskBody trivial = input -> input;
        registry.register(Workflow.builder(ONE).task("t", trivial).build());
        registry.register(chain(CHAIN, trivial));
        registry.register(chain(PROBED_CHAIN, probe.body()));
    }

    static Workflow chain(String name, TaskBody body) {
        Workflow.Builder builder = Workflow.builder(name);
        for (int i = 0; i < BenchOptions.CHAIN_LENGTH; i++) {
            builder.task("t" + i, i == 0 ? List.of() : List.of("t" + (i - 1)), body);
        }
        return builder.build();
    }

    WorkflowRegistry registry() {
        return registry;
    }

    DispatchProbe probe() {
        return probe;
    }
}
