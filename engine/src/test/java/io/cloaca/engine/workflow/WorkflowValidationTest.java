package io.cloaca.engine.workflow;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.retry.RetryPolicy;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static io.cloaca.engine.TestSupport.assertCloaca;
import static io.cloaca.engine.TestSupport.ns;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Upstream's validation messages (reference §2.2), all of kind INVALID_WORKFLOW. */
class WorkflowValidationTest {

    private static final TaskBody NOOP = ctx -> ctx;

    @Test
    void a_workflow_without_tasks_is_rejected_as_empty() {
        CloacaException e = assertCloaca(CloacaException.Kind.INVALID_WORKFLOW,
                () -> Workflow.builder("wf").build());
        assertEquals("Workflow cannot be empty", e.getMessage());
    }

    @Test
    void a_dependency_on_an_unregistered_task_names_both_full_namespaces() {
        CloacaException e = assertCloaca(CloacaException.Kind.INVALID_WORKFLOW, () -> Workflow.builder("wf")
                .task("a", NOOP)
                .task("b", List.of("ghost"), NOOP)
                .build());
        assertEquals("Missing dependency: task '" + ns("wf", "b") + "' depends on '" + ns("wf", "ghost")
                + "' which is not registered", e.getMessage());
    }

    @Test
    void a_dependency_may_be_declared_before_its_target_is_added() {
        assertDoesNotThrow(() -> Workflow.builder("wf")
                .task("late", List.of("early"), NOOP)
                .task("early", NOOP)
                .build());
    }

    @Test
    void a_two_task_cycle_is_printed_as_a_quoted_list_that_repeats_its_first_node() {
        CloacaException e = assertCloaca(CloacaException.Kind.INVALID_WORKFLOW, () -> Workflow.builder("wf")
                .task("a", List.of("b"), NOOP)
                .task("b", List.of("a"), NOOP)
                .build());
        assertEquals("Circular dependency detected: [\"" + ns("wf", "a") + "\", \"" + ns("wf", "b") + "\", \""
                + ns("wf", "a") + "\"]", e.getMessage());
    }

    @Test
    void a_task_depending_on_itself_is_a_cycle_of_one() {
        CloacaException e = assertCloaca(CloacaException.Kind.INVALID_WORKFLOW, () -> Workflow.builder("wf")
                .task("self", List.of("self"), NOOP)
                .build());
        assertEquals("Circular dependency detected: [\"" + ns("wf", "self") + "\", \"" + ns("wf", "self") + "\"]",
                e.getMessage());
    }

    @Test
    void a_cycle_behind_a_valid_root_is_reported_as_a_closed_path_along_dependency_edges() {
        Workflow.Builder builder = Workflow.builder("wf")
                .task("root", NOOP)
                .task("x", List.of("root", "z"), NOOP)
                .task("y", List.of("x"), NOOP)
                .task("z", List.of("y"), NOOP);
        CloacaException e = assertCloaca(CloacaException.Kind.INVALID_WORKFLOW, builder::build);

        String prefix = "Circular dependency detected: [";
        assertTrue(e.getMessage().startsWith(prefix) && e.getMessage().endsWith("]"), e.getMessage());
        List<String> path = Arrays.stream(e.getMessage().substring(prefix.length(), e.getMessage().length() - 1)
                .split(", ")).map(s -> {
                    assertTrue(s.startsWith("\"") && s.endsWith("\""), "quoted: " + s);
                    return s.substring(1, s.length() - 1);
                }).toList();
        assertEquals(4, path.size(), e.getMessage());
        assertEquals(path.get(0), path.get(path.size() - 1), "first node repeated at the end");
        assertTrue(path.stream().noneMatch(p -> p.equals(ns("wf", "root"))), "root is not on the cycle");
        List<List<String>> edges = List.of(List.of("x", "z"), List.of("y", "x"), List.of("z", "y"));
        for (int i = 0; i + 1 < path.size(); i++) {
            String from = TaskNamespace.parse(path.get(i)).task();
            String to = TaskNamespace.parse(path.get(i + 1)).task();
            assertTrue(edges.contains(List.of(from, to)), from + " -> " + to + " is a dependency edge");
        }
    }

    @Test
    void a_missing_dependency_is_reported_before_a_cycle() {
        CloacaException e = assertCloaca(CloacaException.Kind.INVALID_WORKFLOW, () -> Workflow.builder("wf")
                .task("a", List.of("b"), NOOP)
                .task("b", List.of("a", "ghost"), NOOP)
                .build());
        assertTrue(e.getMessage().startsWith("Missing dependency: "), e.getMessage());
    }

    @Test
    void adding_a_task_whose_namespace_is_taken_fails_at_once_with_the_namespace() {
        Workflow.Builder builder = Workflow.builder("wf").task("a", NOOP);
        CloacaException e = assertCloaca(CloacaException.Kind.INVALID_WORKFLOW, () -> builder.task("a", NOOP));
        assertEquals("Duplicate task: " + ns("wf", "a"), e.getMessage());
    }

    @Test
    void a_duplicate_added_as_a_definition_is_rejected_the_same_way() {
        TaskNamespace a = TaskNamespace.embedded("wf", "a");
        Workflow.Builder builder = Workflow.builder("wf")
                .add(new TaskDefinition(a, List.of(), RetryPolicy.NONE, NOOP));
        CloacaException e = assertCloaca(CloacaException.Kind.INVALID_WORKFLOW,
                () -> builder.add(new TaskDefinition(a, List.of(), RetryPolicy.DEFAULT, NOOP)));
        assertEquals("Duplicate task: " + a, e.getMessage());
    }
}
