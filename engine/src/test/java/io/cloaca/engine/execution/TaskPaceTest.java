package io.cloaca.engine.execution;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TaskPaceTest {

    @Test
    void before_any_task_a_span_holds_no_tasks() {
        assertEquals(0, new TaskPace().tasksWithin(Duration.ofHours(1), 4));
    }

    @Test
    void a_span_holds_what_the_workers_get_through_at_the_recent_pace() {
        TaskPace pace = new TaskPace();
        pace.record(Duration.ofMillis(2).toNanos());
        assertEquals(2_000, pace.tasksWithin(Duration.ofSeconds(1), 4), "4 workers, 2 ms a task, 1 s");
        assertEquals(0, pace.tasksWithin(Duration.ZERO, 4));
        for (int i = 0; i < 200; i++) {
            pace.record(Duration.ofMillis(10).toNanos());
        }
        assertEquals(400, pace.tasksWithin(Duration.ofSeconds(1), 4), "the average follows the tasks that came since");
    }

    @Test
    void a_huge_span_or_a_zero_time_does_not_overflow() {
        TaskPace pace = new TaskPace();
        pace.record(0);
        assertEquals(Integer.MAX_VALUE, pace.tasksWithin(Duration.ofDays(365), 64));
    }
}
