package io.cloaca.cli;

import io.cloaca.engine.execution.TaskEvent;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressViewTest {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final Clock clock = Clock.fixed(Instant.EPOCH, ZoneOffset.UTC);

    private String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void a_log_gets_a_line_per_start_and_end_and_a_summary() {
        ProgressView view = new ProgressView(out, false, name -> 2, clock);
        view.onEvent(new TaskEvent.Started("e1", "wf", "wf::a", 1, 3));
        view.onEvent(new TaskEvent.Retrying("e1", "wf", "wf::a", 1, 3, 12, 500, "ValueError: boom"));
        view.onEvent(new TaskEvent.Started("e1", "wf", "wf::a", 2, 3));
        view.onEvent(new TaskEvent.Succeeded("e1", "wf", "wf::a", 2, 1500));
        view.onEvent(new TaskEvent.Started("e1", "wf", "wf::b", 1, 1));
        view.onEvent(new TaskEvent.Failed("e1", "wf", "wf::b", 1, 7, "KeyError: 'x'"));
        view.close();
        assertEquals(String.join("\n",
                "  > wf::a started (attempt 1/3)",
                "  ~  wf::a  attempt 1/3 failed after 12 ms, retrying in 500 ms: ValueError: boom",
                "  > wf::a started (attempt 2/3)",
                "  ok wf::a  1.5 s",
                "  > wf::b started",
                "  x  wf::b  failed after 7 ms (attempt 1): KeyError: 'x'",
                "progress: 1 done, 1 failed in 0.0 s", ""), printed().replace(System.lineSeparator(), "\n"));
    }

    @Test
    void the_status_line_counts_and_fills_the_bar_over_the_tasks_of_the_executions_seen() {
        ProgressView view = new ProgressView(out, true, name -> name.equals("four") ? 4 : 0, clock);
        view.onEvent(new TaskEvent.Started("e1", "four", "four::a", 1, 1));
        assertEquals("[------------------------] 0/4  1 running, 0 done, 0 failed, 0 retrying  0.0 s", view.status());
        view.onEvent(new TaskEvent.Succeeded("e1", "four", "four::a", 1, 3));
        view.onEvent(new TaskEvent.Started("e1", "four", "four::b", 1, 2));
        view.onEvent(new TaskEvent.Retrying("e1", "four", "four::b", 1, 2, 3, 100, "boom"));
        assertEquals("[######------------------] 1/4  0 running, 1 done, 0 failed, 1 retrying  0.0 s", view.status());
        view.onEvent(new TaskEvent.Started("e2", "four", "four::a", 1, 1));
        assertEquals("[###---------------------] 1/8  1 running, 1 done, 0 failed, 1 retrying  0.0 s", view.status());
        view.close();
        // On a terminal the status line is redrawn in place and cleared at the end.
        assertTrue(printed().contains("\r\033[K"), printed());
        assertTrue(printed().endsWith("\r\033[Kprogress: 1 done, 0 failed in 0.0 s" + System.lineSeparator()), printed());
    }
}
