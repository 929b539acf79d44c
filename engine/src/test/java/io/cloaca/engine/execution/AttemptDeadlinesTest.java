package io.cloaca.engine.execution;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The attempts' timeout watchdogs on one timer. Time is a settable clock and the due deadlines are run
 * on demand; deadlines lie hours ahead in real time, so the real timer never fires on its own here
 * (except in the last test, which waits for it).
 */
class AttemptDeadlinesTest {

    private static final long HOUR = TimeUnit.HOURS.toMillis(1);

    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    private final AtomicLong now = new AtomicLong();
    private final List<String> expired = new CopyOnWriteArrayList<>();

    {
        timer.setRemoveOnCancelPolicy(true);
    }

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    private void advanceHours(long hours) {
        now.addAndGet(TimeUnit.HOURS.toNanos(hours));
    }

    @Test
    void due_deadlines_expire_in_order_and_later_ones_wait() {
        AttemptDeadlines deadlines = new AttemptDeadlines(timer, now::get);
        deadlines.add(2 * HOUR, () -> expired.add("b"));
        deadlines.add(HOUR, () -> expired.add("a"));
        deadlines.add(5 * HOUR, () -> expired.add("c"));

        advanceHours(3);
        deadlines.runDue();

        assertEquals(List.of("a", "b"), expired);
        assertEquals(1, deadlines.pending());
    }

    @Test
    void a_cancelled_deadline_never_expires() {
        AttemptDeadlines deadlines = new AttemptDeadlines(timer, now::get);
        AttemptDeadlines.Deadline ended = deadlines.add(HOUR, () -> expired.add("ended in time"));
        deadlines.add(2 * HOUR, () -> expired.add("overran"));
        ended.cancel();

        advanceHours(3);
        deadlines.runDue();

        assertEquals(List.of("overran"), expired);
        assertEquals(0, deadlines.pending());
    }

    @Test
    void an_expiry_that_throws_does_not_keep_the_others_from_running() {
        AttemptDeadlines deadlines = new AttemptDeadlines(timer, now::get);
        deadlines.add(HOUR, () -> {
            throw new IllegalStateException("the database is down");
        });
        deadlines.add(2 * HOUR, () -> expired.add("second"));

        advanceHours(3);
        deadlines.runDue();

        assertEquals(List.of("second"), expired);
    }

    @Test
    void later_deadlines_do_not_reschedule_the_timer_and_an_earlier_one_replaces_its_plan() {
        AttemptDeadlines deadlines = new AttemptDeadlines(timer, now::get);
        deadlines.add(10 * HOUR, () -> { });
        assertEquals(1, timer.getQueue().size());
        for (int i = 0; i < 100; i++) {
            deadlines.add(11 * HOUR + i, () -> { }).cancel();
        }
        assertEquals(1, timer.getQueue().size(), "the timer stays armed for the earliest deadline only");

        deadlines.add(HOUR, () -> { });
        assertEquals(1, timer.getQueue().size(), "the earlier deadline replaced the armed one");
        assertEquals(2, deadlines.pending());
    }

    @Test
    void the_timer_runs_an_expiry_at_its_deadline() throws InterruptedException {
        AttemptDeadlines deadlines = new AttemptDeadlines(timer, System::nanoTime);
        CountDownLatch fired = new CountDownLatch(1);
        deadlines.add(20, fired::countDown);

        assertTrue(fired.await(30, TimeUnit.SECONDS), "the expiry ran");
        assertEquals(0, deadlines.pending());
    }
}
