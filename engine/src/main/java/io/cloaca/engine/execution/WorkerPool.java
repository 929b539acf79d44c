package io.cloaca.engine.execution;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed set of named worker threads serving the runners (lanes) that share them, fairly. A worker
 * blocks on the queue, so a task becoming ready wakes a worker at once; nothing polls. The thread
 * count bounds how many tasks run at a time across all lanes.
 */
final class WorkerPool {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);

    /** One runner's share of the pool: its executor and how many of its tasks are running. */
    static final class Lane {
        private final TaskExecutor executor;
        private final AtomicInteger running = new AtomicInteger();
        /** Task ids waiting in the queue: the same task is never queued twice (timer and poller may both find it). */
        private final Set<String> queued = ConcurrentHashMap.newKeySet();
        private volatile boolean closed;

        Lane(TaskExecutor executor) {
            this.executor = executor;
        }

        int running() {
            return running.get();
        }

        int queued() {
            return queued.size();
        }

        boolean closed() {
            return closed;
        }
    }

    private final FairQueue<Lane, String> queue = new FairQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopping;

    WorkerPool(String name, int size) {
        for (int i = 0; i < size; i++) {
            Thread t = new Thread(this::loop, name + "-worker-" + (i + 1));
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    int size() {
        return threads.size();
    }

    void submit(Lane lane, String taskId) {
        if (!lane.closed && !stopping && lane.queued.add(taskId)) {
            queue.put(lane, taskId);
        }
    }

    private void loop() {
        while (!stopping) {
            FairQueue.Entry<Lane, String> next;
            try {
                next = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            Lane lane = next.lane();
            lane.queued.remove(next.item());
            if (lane.closed) {
                continue;
            }
            lane.running.incrementAndGet();
            try {
                lane.executor.run(next.item());
            } catch (RuntimeException | Error e) {
                // A worker never dies of one task (bodies' errors are recorded as failures before this;
                // what reaches here failed in the engine): log, and take the next one.
                LOG.error("Worker failed while handling task {}; continuing", next.item(), e);
            } finally {
                synchronized (lane) {
                    lane.running.decrementAndGet();
                    lane.notifyAll();
                }
            }
        }
    }

    /**
     * Closes one lane: its queued tasks are dropped (they stay Ready in the database) and running ones
     * get up to {@code grace} to finish.
     *
     * @return true when nothing of the lane is still running
     */
    boolean closeLane(Lane lane, Duration grace) {
        lane.closed = true;
        queue.drain(lane);
        lane.queued.clear();
        long deadline = System.nanoTime() + grace.toNanos();
        synchronized (lane) {
            while (lane.running.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    lane.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }

    /** Stops every worker; called once no lane is left. */
    void stop() {
        stopping = true;
        threads.forEach(Thread::interrupt);
    }
}
