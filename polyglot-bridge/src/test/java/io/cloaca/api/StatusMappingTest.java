package io.cloaca.api;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every status the engine stores has its API constant, so no result fails to map. */
class StatusMappingTest {

    @Test
    void every_task_status_maps() {
        Arrays.stream(io.cloaca.engine.store.TaskStatus.values()).forEach(TaskStatus::of);
        assertEquals(TaskStatus.NOT_STARTED, TaskStatus.of(io.cloaca.engine.store.TaskStatus.NotStarted));
    }

    @Test
    void every_terminal_execution_status_maps() {
        Arrays.stream(io.cloaca.engine.store.ExecutionStatus.values())
                .filter(io.cloaca.engine.store.ExecutionStatus::isTerminal)
                .forEach(ExecutionStatus::of);
        assertEquals(ExecutionStatus.COMPLETED, ExecutionStatus.of(io.cloaca.engine.store.ExecutionStatus.Completed));
    }
}
