package io.cloaca.engine.workflow;

import io.cloaca.engine.CloacaException;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The workflows one engine instance can run, by name. Owned by a runtime (a Python script, an
 * embedding application), never JVM-wide: two runtimes in one JVM do not see each other's workflows.
 * Registering a name again replaces the earlier workflow, as upstream does.
 */
public final class WorkflowRegistry {

    private final ConcurrentMap<String, Workflow> workflows = new ConcurrentHashMap<>();

    /** Registers {@code workflow} under {@code name} (which may differ from the workflow's own name). */
    public void register(String name, Workflow workflow) {
        workflows.put(name, workflow);
    }

    public void register(Workflow workflow) {
        register(workflow.name(), workflow);
    }

    public Optional<Workflow> find(String name) {
        return Optional.ofNullable(workflows.get(name));
    }

    /** @throws CloacaException (NOT_FOUND) "Workflow not found in registry: name" */
    public Workflow get(String name) {
        return find(name).orElseThrow(() -> CloacaException.notFound("Workflow not found in registry: " + name));
    }

    public Set<String> names() {
        return Set.copyOf(workflows.keySet());
    }
}
