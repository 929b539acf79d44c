package io.cloaca.engine.execution;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A loop that keeps failing pauses longer each time, at most about 10 s; one success ends the pause. */
class FailureBackoffTest {

    /** Ticks until the loop runs again, this one included. */
    private static int ticksUntilDue(FailureBackoff backoff) {
        int ticks = 1;
        while (!backoff.due()) {
            ticks++;
        }
        return ticks;
    }

    @Test
    void each_failure_in_a_row_doubles_the_pause_up_to_ten_seconds() {
        FailureBackoff backoff = new FailureBackoff(Duration.ofMillis(100));
        assertTrue(backoff.due(), "a loop that has not failed runs at every tick");
        assertEquals(Duration.ofMillis(200), backoff.failed());
        assertEquals(2, ticksUntilDue(backoff));
        assertEquals(Duration.ofMillis(400), backoff.failed());
        assertEquals(4, ticksUntilDue(backoff));
        for (int i = 0; i < 20; i++) {
            backoff.failed();
        }
        assertEquals(Duration.ofSeconds(10), backoff.failed(), "never more than the maximum pause");
        assertEquals(100, ticksUntilDue(backoff));
        assertEquals(23, backoff.failuresInARow());

        assertEquals(23, backoff.succeeded());
        assertEquals(0, backoff.failuresInARow());
        assertTrue(backoff.due(), "one success ends the pause");
        assertEquals(Duration.ofMillis(200), backoff.failed(), "and the next failure starts again from the start");
    }

    @Test
    void a_loop_slower_than_the_maximum_pause_keeps_its_own_interval() {
        FailureBackoff backoff = new FailureBackoff(Duration.ofSeconds(30));
        assertEquals(Duration.ofSeconds(30), backoff.failed());
        assertTrue(backoff.due());
        backoff.failed();
        assertTrue(backoff.due());
        assertFalse(backoff.succeeded() == 0);
    }
}
