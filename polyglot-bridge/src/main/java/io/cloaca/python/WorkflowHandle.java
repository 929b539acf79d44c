package io.cloaca.python;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.workflow.TaskNamespace;
import io.cloaca.engine.workflow.Workflow;
import org.graalvm.polyglot.HostAccess;

import java.util.List;

/** What the Python {@code cloaca.Workflow} object wraps: a validated engine workflow. Lists return as JSON. */
public final class WorkflowHandle {

    private final Workflow workflow;

    WorkflowHandle(Workflow workflow) {
        this.workflow = workflow;
    }

    Workflow workflow() {
        return workflow;
    }

    @HostAccess.Export
    public String name() {
        return workflow.name();
    }

    @HostAccess.Export
    public String description() {
        return workflow.description();
    }

    @HostAccess.Export
    public String version() {
        return workflow.version();
    }

    @HostAccess.Export
    public int taskCount() {
        return workflow.tasks().size();
    }

    @HostAccess.Export
    public String topologicalSort() {
        return json(names(workflow.topologicalOrder()));
    }

    @HostAccess.Export
    public String executionLevels() {
        return json(workflow.executionLevels().stream().map(WorkflowHandle::names).toList());
    }

    @HostAccess.Export
    public String roots() {
        return json(names(workflow.roots()));
    }

    @HostAccess.Export
    public String leaves() {
        return json(names(workflow.leaves()));
    }

    private static List<String> names(List<TaskNamespace> namespaces) {
        return namespaces.stream().map(TaskNamespace::toString).toList();
    }

    static String json(Object value) {
        try {
            return Context.JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
