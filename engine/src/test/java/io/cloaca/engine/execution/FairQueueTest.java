package io.cloaca.engine.execution;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A finishing worker may take its lane's next item only when that lane is next in turn and no idle
 * worker is waiting for it.
 */
class FairQueueTest {

    @Test
    void a_lane_takes_its_next_item_only_in_its_turn() throws Exception {
        FairQueue<String, Integer> queue = new FairQueue<>();
        assertNull(queue.pollIfNext("a"), "nothing queued");
        queue.put("a", 1);
        queue.put("a", 2);
        queue.put("b", 10);
        assertEquals(1, queue.pollIfNext("a"));
        assertNull(queue.pollIfNext("a"), "a was served: b's turn");
        assertEquals(10, queue.pollIfNext("b"));
        assertEquals(2, queue.pollIfNext("a"));
        assertNull(queue.pollIfNext("a"));
    }

    @Test
    void an_idle_taker_gets_the_item_rather_than_a_finishing_worker() throws Exception {
        FairQueue<String, Integer> queue = new FairQueue<>();
        CompletableFuture<FairQueue.Entry<String, Integer>> idle = CompletableFuture.supplyAsync(() -> {
            try {
                return queue.take();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        // Until the idle worker blocks in take, pollIfNext may legitimately take the item; wait for it to block.
        awaitTakers(queue, 1);
        queue.put("a", 1);
        assertNull(queue.pollIfNext("a"), "the idle worker is waiting for it");
        assertEquals(1, idle.get(30, TimeUnit.SECONDS).item());
    }

    @Test
    void a_put_wakes_the_taker_that_went_idle_last() throws Exception {
        FairQueue<String, Integer> queue = new FairQueue<>();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<FairQueue.Entry<String, Integer>> first = blockedTaker(threads, queue, 1, new Thread[1]);
            Future<FairQueue.Entry<String, Integer>> second = blockedTaker(threads, queue, 2, new Thread[1]);

            queue.put("a", 1);
            assertEquals(1, second.get(30, TimeUnit.SECONDS).item(), "the last to block is woken first");
            assertFalse(first.isDone());
            queue.put("a", 2);
            assertEquals(2, first.get(30, TimeUnit.SECONDS).item());
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void an_item_whose_chosen_taker_is_interrupted_goes_to_another() throws Exception {
        FairQueue<String, Integer> queue = new FairQueue<>();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<FairQueue.Entry<String, Integer>> first = blockedTaker(threads, queue, 1, new Thread[1]);
            Thread[] chosen = new Thread[1];
            Future<FairQueue.Entry<String, Integer>> second = blockedTaker(threads, queue, 2, chosen);

            // The put chooses the second taker; interrupted right after, it may or may not have the item
            // by then. Either it returns the item, or the first taker gets it: the item is never stranded.
            queue.put("a", 1);
            chosen[0].interrupt();
            FairQueue.Entry<String, Integer> taken;
            try {
                taken = second.get(30, TimeUnit.SECONDS);
                assertEquals(1, queue.takers(), "only the first taker still waits");
                assertFalse(first.isDone());
            } catch (java.util.concurrent.ExecutionException interrupted) {
                assertTrue(interrupted.getCause() instanceof InterruptedException, interrupted.toString());
                taken = first.get(30, TimeUnit.SECONDS);
            }
            assertEquals(1, taken.item());
        } finally {
            threads.shutdownNow();
        }
    }

    /**
     * A {@code take} on one of {@code threads}, returned once it is blocked as the queue's
     * {@code position}-th taker; its thread goes into {@code self[0]}.
     */
    private static Future<FairQueue.Entry<String, Integer>> blockedTaker(ExecutorService threads,
            FairQueue<String, Integer> queue, int position, Thread[] self) {
        Future<FairQueue.Entry<String, Integer>> taken = threads.submit(() -> {
            self[0] = Thread.currentThread();
            return queue.take();
        });
        awaitTakers(queue, position);
        return taken;
    }

    private static void awaitTakers(FairQueue<?, ?> queue, int count) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (queue.takers() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + count + " takers blocked within 30 s");
            }
            Thread.onSpinWait();
        }
    }
}
