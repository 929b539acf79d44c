package io.cloaca.engine.workflow;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Orderings over a diamond: a -> (b, c) -> d. */
class WorkflowGraphTest {

    private static final Workflow DIAMOND = Workflow.builder("d")
            .task("a", ctx -> ctx)
            .task("b", List.of("a"), ctx -> ctx)
            .task("c", List.of("a"), ctx -> ctx)
            .task("d", List.of("b", "c"), ctx -> ctx)
            .build();

    private static TaskNamespace t(String id) {
        return TaskNamespace.embedded("d", id);
    }

    @Test
    void the_topological_order_of_a_diamond_puts_dependencies_first_and_keeps_insertion_order() {
        assertEquals(List.of(t("a"), t("b"), t("c"), t("d")), DIAMOND.topologicalOrder());
    }

    @Test
    void the_execution_levels_of_a_diamond_are_root_branches_join() {
        assertEquals(List.of(List.of(t("a")), List.of(t("b"), t("c")), List.of(t("d"))), DIAMOND.executionLevels());
    }

    @Test
    void a_diamond_has_one_root_and_one_leaf() {
        assertEquals(List.of(t("a")), DIAMOND.roots());
        assertEquals(List.of(t("d")), DIAMOND.leaves());
    }

    @Test
    void the_dependents_of_the_root_are_both_branches() {
        assertEquals(List.of(t("b"), t("c")), DIAMOND.dependents(t("a")));
        assertEquals(List.of(), DIAMOND.dependents(t("d")));
    }

    @Test
    void tasks_added_before_their_dependencies_still_sort_after_them() {
        Workflow reversed = Workflow.builder("d")
                .task("d", List.of("b", "c"), ctx -> ctx)
                .task("c", List.of("a"), ctx -> ctx)
                .task("b", List.of("a"), ctx -> ctx)
                .task("a", ctx -> ctx)
                .build();
        List<TaskNamespace> order = reversed.topologicalOrder();
        for (TaskDefinition task : reversed.tasks()) {
            for (TaskNamespace dep : task.dependencies()) {
                assertTrue(order.indexOf(dep) < order.indexOf(task.namespace()), dep + " before " + task.namespace());
            }
        }
        assertEquals(3, reversed.executionLevels().size());
    }

    @Test
    void topological_order_lists_full_namespaces_as_upstream_stores_them() {
        assertEquals("public::embedded::d::a", DIAMOND.topologicalOrder().get(0).toString());
    }
}
