package io.cloaca.api;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Every status the engine stores has its API constant, so no result fails to map, and every API execution
 * status has the engine's, so a query by status can be asked.
 */
class StatusMappingTest {

    @Test
    void every_task_status_maps() {
        Arrays.stream(io.cloaca.engine.store.TaskStatus.values()).forEach(TaskStatus::of);
        assertEquals(TaskStatus.NOT_STARTED, TaskStatus.of(io.cloaca.engine.store.TaskStatus.NotStarted));
    }

    @Test
    void every_execution_status_maps_both_ways() {
        for (var engine : io.cloaca.engine.store.ExecutionStatus.values()) {
            assertEquals(engine, ExecutionStatus.of(engine).engine());
        }
        for (ExecutionStatus api : ExecutionStatus.values()) {
            assertEquals(api, ExecutionStatus.of(api.engine()));
        }
        assertEquals(ExecutionStatus.RUNNING, ExecutionStatus.of(io.cloaca.engine.store.ExecutionStatus.Running));
        assertEquals(ExecutionStatus.COMPLETED, ExecutionStatus.of(io.cloaca.engine.store.ExecutionStatus.Completed));
    }

    @Test
    void a_running_execution_is_a_result_that_has_not_succeeded() {
        ExecutionResult running = new ExecutionResult("id", "w", ExecutionStatus.RUNNING, Context.empty(),
                List.of(new TaskResult("t", TaskStatus.RUNNING, 1, null)), null, Instant.EPOCH, null);
        assertFalse(running.succeeded());
        assertNull(running.completedAt());
    }
}
