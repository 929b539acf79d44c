package io.cloaca.engine.execution;

import io.cloaca.engine.workflow.AttemptHandle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Named worker threads serving the runners (lanes) that share them, fairly. A worker blocks on the
 * queue, so a task becoming ready wakes a worker at once; nothing polls.
 *
 * <p>How many tasks run at a time across all lanes is bounded by {@code size} slots. A task that
 * defers ({@link io.cloaca.engine.workflow.TaskHandle#deferUntil}) lends its slot back while it waits,
 * and a spare thread is started so the lent slot can be used; the deferred task takes a slot again
 * (waiting for one if need be) before its body goes on, and a thread beyond what is needed ends after
 * its next task. So there are {@code size} threads plus one per deferred task.
 */
final class WorkerPool {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);

    /** One runner's share of the pool: its executor and how many of its tasks are running. */
    static final class Lane {
        private final TaskExecutor executor;
        private final AtomicInteger running = new AtomicInteger();
        /** Of the running tasks, those deferred: they hold no slot. */
        private final AtomicInteger deferred = new AtomicInteger();
        /** Task ids waiting in the queue: the same task is never queued twice (timer and poller may both find it). */
        private final Set<String> queued = ConcurrentHashMap.newKeySet();
        private volatile boolean closed;

        Lane(TaskExecutor executor) {
            this.executor = executor;
        }

        /** Tasks started and not ended, deferred ones included: what shutdown waits for. */
        int running() {
            return running.get();
        }

        /** Running tasks that hold a slot. */
        int active() {
            return running.get() - deferred.get();
        }

        int queued() {
            return queued.size();
        }

        boolean closed() {
            return closed;
        }
    }

    private final FairQueue<Lane, String> queue = new FairQueue<>();
    private final String name;
    private final int size;
    /** Fair, so a deferred task taking its slot back is not overtaken for ever by queued work. */
    private final Semaphore slots;
    /** Tasks deferred now, in every lane: each has lent its slot and keeps its thread. */
    private final AtomicInteger deferred = new AtomicInteger();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final AtomicInteger threadNumber = new AtomicInteger();
    private volatile boolean stopping;

    WorkerPool(String name, int size) {
        this.name = name;
        this.size = size;
        this.slots = new Semaphore(size, true);
        for (int i = 0; i < size; i++) {
            startThread();
        }
    }

    /** How many tasks may hold a slot at a time. */
    int size() {
        return size;
    }

    void submit(Lane lane, String taskId) {
        if (!lane.closed && !stopping && lane.queued.add(taskId)) {
            queue.put(lane, taskId);
        }
    }

    /**
     * A task queued in {@code lane} that a worker finishing one of the lane's tasks may take for itself
     * (see {@link FairQueue#pollIfNext}); null when there is none, or when an idle worker or another
     * lane should have it.
     */
    String takeQueued(Lane lane) {
        if (lane.closed || stopping) {
            return null;
        }
        String taskId = queue.pollIfNext(lane);
        if (taskId != null) {
            lane.queued.remove(taskId);
        }
        return taskId;
    }

    private void startThread() {
        Thread t = new Thread(this::loop, name + "-worker-" + threadNumber.incrementAndGet());
        t.setDaemon(true);
        threads.add(t);
        t.start();
        if (stopping) {
            t.interrupt(); // stop() may have missed it
        }
    }

    /** Starts threads until there is one per slot besides the threads of deferred tasks. */
    private synchronized void topUpThreads() {
        while (!stopping && threads.size() < size + deferred.get()) {
            startThread();
        }
    }

    /** Ends the calling thread if there are more than the slots and the deferred tasks need. */
    private synchronized boolean retireIfSpare() {
        if (threads.size() > size + deferred.get()) {
            threads.remove(Thread.currentThread());
            return true;
        }
        return false;
    }

    private void loop() {
        try {
            while (!stopping && !retireIfSpare()) {
                FairQueue.Entry<Lane, String> next = queue.take();
                Lane lane = next.lane();
                lane.queued.remove(next.item());
                slots.acquire();
                Worker worker = new Worker(lane);
                try {
                    if (!lane.closed) {
                        runTask(worker, next.item());
                    }
                } finally {
                    worker.end();
                }
            }
        } catch (InterruptedException e) {
            threads.remove(Thread.currentThread()); // stopping
        }
    }

    private void runTask(Worker worker, String taskId) {
        Lane lane = worker.lane;
        lane.running.incrementAndGet();
        try {
            lane.executor.run(taskId, worker);
        } catch (RuntimeException | Error e) {
            // A worker never dies of one task (bodies' errors are recorded as failures before this;
            // what reaches here failed in the engine): log, and take the next one.
            LOG.error("Worker failed while handling task {}; continuing", taskId, e);
        } finally {
            synchronized (lane) {
                lane.running.decrementAndGet();
                lane.notifyAll();
            }
        }
    }

    /** The slot one worker holds for one queue item, as a deferring task's handle sees it. */
    private final class Worker implements AttemptHandle.Slot {
        private final Lane lane;
        /** False while lent by a deferred task. */
        private boolean held = true;

        Worker(Lane lane) {
            this.lane = lane;
        }

        @Override
        public void release() {
            lane.deferred.incrementAndGet();
            deferred.incrementAndGet();
            held = false;
            slots.release();
            topUpThreads();
        }

        @Override
        public void acquire() throws InterruptedException {
            slots.acquire();
            held = true;
            deferred.decrementAndGet();
            lane.deferred.decrementAndGet();
        }

        @Override
        public void pause(long nanos) throws InterruptedException {
            // On the lane's monitor: closing the lane wakes every deferred task of it at once.
            synchronized (lane) {
                if (!lane.closed) {
                    TimeUnit.NANOSECONDS.timedWait(lane, nanos);
                }
            }
        }

        @Override
        public boolean stopping() {
            return lane.closed || stopping;
        }

        /** The slot goes back to the pool, or, if the attempt ended deferred, the lending is undone. */
        void end() {
            if (held) {
                slots.release();
            } else {
                held = true;
                deferred.decrementAndGet();
                lane.deferred.decrementAndGet();
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
            lane.notifyAll(); // deferred tasks stop waiting and give their claims back
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
        java.util.List.copyOf(threads).forEach(Thread::interrupt);
    }
}
