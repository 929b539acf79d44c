package io.cloaca.engine.execution;

import io.cloaca.engine.context.Context;
import io.cloaca.engine.retry.RetryCondition;
import io.cloaca.engine.retry.RetryPolicy;
import io.cloaca.engine.store.Database;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.ExecutionRecord;
import io.cloaca.engine.store.ExecutionStatus;
import io.cloaca.engine.store.ExecutionStore;
import io.cloaca.engine.store.TaskRecord;
import io.cloaca.engine.store.TaskStatus;
import io.cloaca.engine.workflow.TaskNamespace;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

import static io.cloaca.engine.TestSupport.context;
import static io.cloaca.engine.TestSupport.fileRunner;
import static io.cloaca.engine.TestSupport.memoryRunner;
import static io.cloaca.engine.TestSupport.ns;
import static io.cloaca.engine.TestSupport.parse;
import static io.cloaca.engine.TestSupport.quickRetry;
import static io.cloaca.engine.TestSupport.taskRows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The database is the truth: what execute reported can be read back by another process later. */
class RunnerPersistenceTest {

    private static final AtomicInteger FLAKY_CALLS = new AtomicInteger();

    private static Workflow mixed() {
        return Workflow.builder("mixed")
                .description("persisted")
                .task("load", ctx -> ctx.set("rows", 3))
                .task("flaky", List.of("load"), quickRetry(2, new RetryCondition.AllErrors()), ctx -> {
                    if (FLAKY_CALLS.incrementAndGet() == 1) {
                        throw new IllegalStateException("first try fails");
                    }
                    return ctx.set("flaky", "ok");
                })
                .task("broken", List.of("load"), RetryPolicy.NONE, ctx -> {
                    throw new IllegalStateException("disk on fire");
                })
                .task("report", List.of("flaky", "broken"), ctx -> ctx.set("report", true))
                .build();
    }

    @Test
    void an_execution_and_all_its_task_rows_can_be_read_back_from_the_file_by_a_new_runner(@TempDir Path dir) {
        FLAKY_CALLS.set(0);
        Path file = dir.resolve("state.db");
        Workflow wf = mixed();
        ExecutionResult result;
        try (Runner runner = fileRunner(file, RunnerConfig.DEFAULT, wf)) {
            result = runner.execute("mixed", context("{'input': 'x'}"));
        }
        assertEquals(ExecutionStatus.Failed, result.status());

        // A second runner that does not even know the workflow reads the same state.
        try (Runner reader = fileRunner(file, RunnerConfig.DEFAULT)) {
            ExecutionRecord execution = reader.history().findExecution(result.executionId()).orElseThrow();
            assertEquals(ExecutionStatus.Failed, execution.status());
            assertEquals("mixed", execution.workflowName());
            assertEquals(wf.version(), execution.workflowVersion());
            assertEquals("1 task(s) failed, 3 completed, 0 skipped", execution.errorMessage());
            assertEquals(context("{'input': 'x'}").toJsonNode(), parse(execution.initialContext()).toJsonNode());
            assertEquals(result.finalContext().toJsonNode(), parse(execution.finalContext()).toJsonNode());
            assertTrue(result.finalContext().get("report").asBoolean(), "report is the last task to complete");
            assertNotNull(execution.completedAt());

            Map<String, TaskRecord> rows = taskRows(reader, result.executionId());
            assertEquals(4, rows.size());
            assertEquals(ns("mixed", "load"), rows.get("load").taskName());

            assertEquals(TaskStatus.Completed, rows.get("load").status());
            assertEquals(1, rows.get("load").attempt());

            assertEquals(TaskStatus.Completed, rows.get("flaky").status());
            assertEquals(2, rows.get("flaky").attempt());
            assertEquals(2, rows.get("flaky").maxAttempts());

            TaskRecord broken = rows.get("broken");
            assertEquals(TaskStatus.Failed, broken.status());
            assertEquals(1, broken.attempt());
            assertEquals("IllegalStateException: disk on fire", broken.lastError());
            assertNull(broken.outputContext());

            assertEquals(TaskStatus.Completed, rows.get("report").status());
            for (TaskRecord row : rows.values()) {
                assertNull(row.claimedBy(), "no claim outlives a finished task: " + row.taskName());
                assertNotNull(row.completedAt(), row.taskName());
            }
        }
    }

    @Test
    void the_store_can_be_read_with_a_plain_database_and_execution_store(@TempDir Path dir) {
        Path file = dir.resolve("plain.db");
        Workflow wf = Workflow.builder("one").task("t", ctx -> ctx.set("t", 1)).build();
        String id;
        try (Runner runner = fileRunner(file, RunnerConfig.DEFAULT, wf)) {
            id = runner.execute("one", Context.empty()).executionId();
        }
        try (Database db = Database.open(DatabaseUrl.parse("sqlite://" + file), 2, true)) {
            ExecutionStore store = new ExecutionStore(db, null);
            ExecutionRecord execution = store.findExecution(id).orElseThrow();
            assertEquals(ExecutionStatus.Completed, execution.status());
            assertNull(execution.errorMessage());
            assertEquals(context("{'t': 1}").toJsonNode(), parse(execution.finalContext()).toJsonNode());
            List<TaskRecord> tasks = store.listTasks(id);
            assertEquals(1, tasks.size());
            assertEquals(TaskNamespace.embedded("one", "t").toString(), tasks.get(0).taskName());
            assertEquals(TaskStatus.Completed, tasks.get(0).status());
        }
    }

    @Test
    void executions_accumulate_in_a_file_across_runners(@TempDir Path dir) {
        Path file = dir.resolve("many.db");
        Workflow wf = Workflow.builder("one").task("t", ctx -> ctx).build();
        for (int i = 0; i < 3; i++) {
            try (Runner runner = fileRunner(file, RunnerConfig.DEFAULT, wf)) {
                runner.execute("one", Context.empty());
            }
        }
        try (Runner runner = fileRunner(file, RunnerConfig.DEFAULT)) {
            Map<String, ExecutionRecord> byId = runner.history().recentExecutions("one", 10).stream()
                    .collect(Collectors.toMap(ExecutionRecord::id, Function.identity()));
            assertEquals(3, byId.size());
            assertTrue(byId.values().stream().allMatch(e -> e.status() == ExecutionStatus.Completed));
        }
    }

    @Test
    void two_in_memory_runners_are_separate_databases() {
        Workflow wf = Workflow.builder("one").task("t", ctx -> ctx).build();
        try (Runner first = memoryRunner(wf); Runner second = memoryRunner(wf)) {
            String id = first.execute("one", Context.empty()).executionId();
            assertTrue(first.history().findExecution(id).isPresent());
            assertTrue(second.history().findExecution(id).isEmpty());
            assertTrue(second.history().recentExecutions(null, 10).isEmpty());
            second.execute("one", Context.empty());
            assertEquals(1, first.history().recentExecutions(null, 10).size());
            assertEquals(1, second.history().recentExecutions(null, 10).size());
        }
    }

    @Test
    void two_registries_do_not_see_each_others_workflows() {
        WorkflowRegistry a = new WorkflowRegistry();
        WorkflowRegistry b = new WorkflowRegistry();
        a.register(Workflow.builder("only_in_a").task("t", ctx -> ctx).build());
        assertTrue(a.find("only_in_a").isPresent());
        assertTrue(b.find("only_in_a").isEmpty());
    }
}
