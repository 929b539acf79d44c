package io.cloaca.engine.execution;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!queue.hasTakers() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        queue.put("a", 1);
        assertNull(queue.pollIfNext("a"), "the idle worker is waiting for it");
        assertEquals(1, idle.get(30, TimeUnit.SECONDS).item());
    }
}
