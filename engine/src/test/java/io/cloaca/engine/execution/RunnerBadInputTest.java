package io.cloaca.engine.execution;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static io.cloaca.engine.TestSupport.assertCloaca;
import static io.cloaca.engine.TestSupport.memoryRunner;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** User mistakes get a clear error of the right kind that says what was wrong (DESIGN §9). */
class RunnerBadInputTest {

    @Test
    void opening_a_file_in_a_missing_directory_is_a_storage_error_naming_the_path(@TempDir Path dir) {
        Path file = dir.resolve("no/such/dir/x.db");
        CloacaException e = assertCloaca(CloacaException.Kind.STORAGE,
                () -> Runner.open(file.toString(), RunnerConfig.DEFAULT, new WorkflowRegistry()));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertFalse(Files.exists(dir.resolve("no")), "nothing is created on the way");
    }

    @Test
    void an_unsupported_url_scheme_is_rejected_before_anything_is_opened() {
        assertCloaca(CloacaException.Kind.INVALID_ARGUMENT,
                () -> Runner.open("mysql://u:p@h/db", RunnerConfig.DEFAULT, new WorkflowRegistry()));
    }

    @Test
    void zero_max_concurrent_tasks_is_rejected_naming_the_property() {
        CloacaException e = assertCloaca(CloacaException.Kind.INVALID_ARGUMENT,
                () -> RunnerConfig.builder().maxConcurrentTasks(0).build());
        assertTrue(e.getMessage().contains("max_concurrent_tasks"), e.getMessage());
        assertTrue(e.getMessage().contains("0"), e.getMessage());
    }

    @Test
    void non_positive_sizes_and_durations_are_rejected_naming_each_property() {
        assertTrue(assertCloaca(CloacaException.Kind.INVALID_ARGUMENT,
                () -> RunnerConfig.builder().dbPoolSize(-1).build()).getMessage().contains("db_pool_size"));
        assertTrue(assertCloaca(CloacaException.Kind.INVALID_ARGUMENT,
                () -> RunnerConfig.builder().taskTimeout(Duration.ZERO).build()).getMessage().contains("task_timeout"));
        assertTrue(assertCloaca(CloacaException.Kind.INVALID_ARGUMENT,
                () -> RunnerConfig.builder().executionTimeout(Duration.ofSeconds(-1)).build()).getMessage()
                .contains("pipeline_timeout_seconds"));
        assertTrue(assertCloaca(CloacaException.Kind.INVALID_ARGUMENT,
                () -> RunnerConfig.builder().claimAhead(Duration.ofMillis(-1)).build()).getMessage()
                .contains("claim_ahead"));
    }

    @Test
    void executing_an_unknown_workflow_is_not_found_with_upstreams_message() {
        try (Runner runner = memoryRunner()) {
            CloacaException e = assertCloaca(CloacaException.Kind.NOT_FOUND,
                    () -> runner.execute("x", Context.empty()));
            assertEquals("Workflow not found in registry: x", e.getMessage());
            assertTrue(runner.history().recentExecutions(null, 10).isEmpty(), "nothing was written");
        }
    }

    @Test
    void executing_after_shutdown_is_an_illegal_state() {
        Workflow wf = Workflow.builder("one").task("t", ctx -> ctx).build();
        Runner runner = memoryRunner(wf);
        runner.shutdown();
        runner.shutdown();
        assertCloaca(CloacaException.Kind.ILLEGAL_STATE, () -> runner.execute("one", Context.empty()));
    }

    @Test
    void a_context_that_is_not_a_json_object_is_rejected() {
        assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> Context.fromJson("[1, 2]"));
        assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> Context.fromJson("{not json"));
    }
}
