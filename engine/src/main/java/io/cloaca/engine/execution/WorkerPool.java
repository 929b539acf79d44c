package io.cloaca.engine.execution;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A fixed set of named worker threads taking task ids from one queue. A worker blocks on the queue,
 * so a task becoming ready wakes a worker at once; nothing polls. The thread count is the concurrency
 * limit: at most {@code threads} tasks run at a time.
 */
final class WorkerPool {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);
    private static final String POISON = "\u0000stop";

    private final BlockingQueue<String> queue = new LinkedBlockingQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopping;

    WorkerPool(String name, int size, Consumer<String> work) {
        for (int i = 0; i < size; i++) {
            Thread t = new Thread(() -> loop(work), name + "-worker-" + (i + 1));
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    void submit(String taskId) {
        if (!stopping) {
            queue.add(taskId);
        }
    }

    private void loop(Consumer<String> work) {
        while (true) {
            String taskId;
            try {
                taskId = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (POISON.equals(taskId) || stopping) {
                return;
            }
            try {
                work.accept(taskId);
            } catch (RuntimeException e) {
                // A worker never dies of one task: log, and take the next one.
                LOG.error("Worker failed while handling task {}; continuing", taskId, e);
            }
        }
    }

    /**
     * Stops taking new tasks, lets running ones finish for up to {@code grace}, then interrupts.
     *
     * @return the task ids that were queued but never started
     */
    List<String> shutdown(Duration grace) {
        stopping = true;
        List<String> unstarted = new ArrayList<>();
        queue.drainTo(unstarted);
        threads.forEach(t -> queue.add(POISON));
        long deadline = System.nanoTime() + grace.toNanos();
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            try {
                if (left > 0) {
                    t.join(TimeUnit.NANOSECONDS.toMillis(left) + 1);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        threads.stream().filter(Thread::isAlive).forEach(Thread::interrupt);
        unstarted.removeIf(POISON::equals);
        return unstarted;
    }
}
