package io.cloaca.cli;

import io.cloaca.engine.execution.TaskEvent;
import io.cloaca.engine.execution.TaskListener;

import java.io.PrintStream;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * {@code cloaca run --progress}: task progress on stderr. Each ended attempt gets a line (done, failed,
 * retrying, with its time); on a terminal a status line below them is redrawn in place with a bar over
 * the tasks of the executions seen so far, and how many run, are done, failed or wait for a retry.
 * Without a terminal, task starts get a line too, so a log shows what was running.
 *
 * <p>Only tasks this process runs are shown; tasks skipped by a trigger rule never start, so the bar of
 * an execution with skipped tasks stops short of full.
 */
final class ProgressView implements TaskListener, AutoCloseable {

    private static final int BAR_WIDTH = 24;

    private final PrintStream out;
    private final boolean live;
    private final ToIntFunction<String> tasksOfWorkflow;
    private final Clock clock;
    private final long startedAt;

    private final Map<String, Integer> totalByExecution = new HashMap<>();
    private final Set<String> running = new LinkedHashSet<>();
    private final Set<String> retrying = new LinkedHashSet<>();
    private int done;
    private int failed;
    private boolean statusShown;

    /**
     * @param live            redraw a status line in place (stderr is a terminal)
     * @param tasksOfWorkflow how many tasks a workflow has, by name (0 when unknown)
     */
    ProgressView(PrintStream out, boolean live, ToIntFunction<String> tasksOfWorkflow, Clock clock) {
        this.out = out;
        this.live = live;
        this.tasksOfWorkflow = tasksOfWorkflow;
        this.clock = clock;
        this.startedAt = clock.millis();
    }

    @Override
    public synchronized void onEvent(TaskEvent event) {
        totalByExecution.computeIfAbsent(event.executionId(), id -> tasksOfWorkflow.applyAsInt(event.workflowName()));
        String task = shortName(event.taskName());
        String line = null;
        if (event instanceof TaskEvent.Started s) {
            running.add(task + "#" + s.executionId());
            retrying.remove(task + "#" + s.executionId());
            if (!live) {
                line = "  > " + task + " started" + (s.maxAttempts() > 1 ? " (attempt " + s.attempt() + "/"
                        + s.maxAttempts() + ")" : "");
            }
        } else {
            running.remove(task + "#" + event.executionId());
            if (event instanceof TaskEvent.Succeeded s) {
                done++;
                line = "  ok " + task + "  " + millis(s.elapsedMillis());
            } else if (event instanceof TaskEvent.Retrying r) {
                retrying.add(task + "#" + r.executionId());
                line = "  ~  " + task + "  attempt " + r.attempt() + "/" + r.maxAttempts() + " failed after "
                        + millis(r.elapsedMillis()) + ", retrying in " + millis(r.delayMillis()) + ": " + r.error();
            } else if (event instanceof TaskEvent.Failed f) {
                failed++;
                line = "  x  " + task + "  failed after " + millis(f.elapsedMillis()) + " (attempt " + f.attempt()
                        + "): " + f.error();
            }
        }
        if (line != null) {
            clearStatus();
            out.println(line);
        }
        showStatus();
        out.flush();
    }

    /** Leaves a last summary line and no status line. */
    @Override
    public synchronized void close() {
        clearStatus();
        if (done + failed > 0) {
            out.println("progress: " + done + " done, " + failed + " failed in " + seconds(clock.millis() - startedAt));
        }
        out.flush();
    }

    /** The status line's text, without terminal control characters. */
    synchronized String status() {
        int total = totalByExecution.values().stream().mapToInt(Integer::intValue).sum();
        StringBuilder s = new StringBuilder();
        if (total > 0) {
            int filled = Math.min(BAR_WIDTH, (done + failed) * BAR_WIDTH / total);
            s.append('[').append("#".repeat(filled)).append("-".repeat(BAR_WIDTH - filled)).append("] ")
                    .append(done + failed).append('/').append(total).append("  ");
        }
        s.append(running.size()).append(" running, ").append(done).append(" done, ").append(failed)
                .append(" failed, ").append(retrying.size()).append(" retrying  ")
                .append(seconds(clock.millis() - startedAt));
        return s.toString();
    }

    private void showStatus() {
        if (live) {
            out.print("\r\033[K" + status());
            statusShown = true;
        }
    }

    private void clearStatus() {
        if (statusShown) {
            out.print("\r\033[K");
            statusShown = false;
        }
    }

    /** {@code workflow::task}: the tenant and package parts of a namespaced name are the same for every task. */
    static String shortName(String namespaced) {
        String[] parts = namespaced.split("::");
        return parts.length <= 2 ? namespaced : parts[parts.length - 2] + "::" + parts[parts.length - 1];
    }

    private static String millis(long ms) {
        return ms < 1000 ? ms + " ms" : seconds(ms);
    }

    private static String seconds(long ms) {
        return String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
