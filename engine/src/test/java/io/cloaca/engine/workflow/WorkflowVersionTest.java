package io.cloaca.engine.workflow;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Version = deterministic hash of name, description, tags, tasks and dependencies (reference §2.2). */
class WorkflowVersionTest {

    /** The reference workflow: a -> b, plus an independent c; description and one tag. */
    private static Workflow.Builder base() {
        return Workflow.builder("wf")
                .description("nightly load")
                .tag("team", "data")
                .task("a", ctx -> ctx)
                .task("b", List.of("a"), ctx -> ctx)
                .task("c", ctx -> ctx);
    }

    private static String version(UnaryOperator<Workflow.Builder> change) {
        return change.apply(base()).build().version();
    }

    private static final String BASE = version(b -> b);

    @Test
    void two_identical_builds_have_the_same_version() {
        assertEquals(base().build().version(), base().build().version());
    }

    @Test
    void the_version_is_sixteen_lowercase_hex_digits() {
        assertTrue(BASE.matches("[0-9a-f]{16}"), BASE);
    }

    @Test
    void the_version_changes_with_the_description() {
        assertNotEquals(BASE, version(b -> b.description("hourly load")));
    }

    @Test
    void the_version_changes_when_a_tag_is_added_or_its_value_changes() {
        assertNotEquals(BASE, version(b -> b.tag("tier", "gold")));
        assertNotEquals(BASE, version(b -> b.tag("team", "ops")));
    }

    @Test
    void tags_that_differ_only_in_where_the_separator_falls_give_different_versions() {
        String left = Workflow.builder("wf").tag("a=b", "c").task("t", ctx -> ctx).build().version();
        String right = Workflow.builder("wf").tag("a", "b=c").task("t", ctx -> ctx).build().version();
        assertNotEquals(left, right);
    }

    @Test
    void the_version_does_not_depend_on_the_order_tags_were_set() {
        String oneWay = Workflow.builder("wf").tag("x", "1").tag("y", "2").task("t", ctx -> ctx).build().version();
        String otherWay = Workflow.builder("wf").tag("y", "2").tag("x", "1").task("t", ctx -> ctx).build().version();
        assertEquals(oneWay, otherWay);
    }

    @Test
    void the_version_changes_when_a_task_is_added() {
        assertNotEquals(BASE, version(b -> b.task("d", ctx -> ctx)));
    }

    @Test
    void the_version_changes_when_only_the_dependencies_change() {
        Workflow.Builder rewired = Workflow.builder("wf")
                .description("nightly load")
                .tag("team", "data")
                .task("a", ctx -> ctx)
                .task("b", ctx -> ctx)
                .task("c", List.of("a"), ctx -> ctx);
        assertNotEquals(BASE, rewired.build().version());
    }

    @Test
    void the_version_changes_with_the_workflow_name() {
        Workflow renamed = Workflow.builder("wf2")
                .description("nightly load")
                .tag("team", "data")
                .task("a", ctx -> ctx)
                .task("b", List.of("a"), ctx -> ctx)
                .task("c", ctx -> ctx)
                .build();
        assertNotEquals(BASE, renamed.version());
    }

    @Test
    void inserting_independent_tasks_in_another_order_keeps_the_version() {
        Workflow reordered = Workflow.builder("wf")
                .description("nightly load")
                .tag("team", "data")
                .task("c", ctx -> ctx)
                .task("a", ctx -> ctx)
                .task("b", List.of("a"), ctx -> ctx)
                .build();
        assertEquals(BASE, reordered.version());
    }

    @Test
    void a_different_task_body_keeps_the_version_because_code_is_not_fingerprinted() {
        assertEquals(BASE, Workflow.builder("wf")
                .description("nightly load")
                .tag("team", "data")
                .task("a", ctx -> ctx.set("changed", true))
                .task("b", List.of("a"), ctx -> ctx)
                .task("c", ctx -> ctx)
                .build().version());
    }
}
