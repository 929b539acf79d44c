package io.cloaca.engine.execution;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A blocking queue with one lane per runner, served round-robin: a tenant with a thousand queued tasks
 * and a tenant with one each get the next free worker in turn, so a backlog cannot starve the others.
 *
 * @param <L> the lane (a runner)
 * @param <T> the item (a task id)
 */
final class FairQueue<L, T> {

    /** An item with the lane it came from. */
    record Entry<L, T>(L lane, T item) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    /** Lanes with work, in serving order: a served lane moves to the back. */
    private final LinkedHashMap<L, ArrayDeque<T>> lanes = new LinkedHashMap<>();
    /** Threads blocked in {@link #take}; guarded by {@code lock}. */
    private int takers;

    void put(L lane, T item) {
        lock.lock();
        try {
            lanes.computeIfAbsent(lane, l -> new ArrayDeque<>()).add(item);
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Blocks until an item is available; the interrupt flag ends the wait. */
    Entry<L, T> take() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            takers++;
            try {
                while (lanes.isEmpty()) {
                    notEmpty.await();
                }
            } finally {
                takers--;
            }
            return pollHead();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The next item of {@code lane} if that lane is the next to be served and no thread is waiting in
     * {@link #take} (which would otherwise have it at once); else null. Never blocks. For a worker about
     * to finish a task, which can take its next one in the same transaction.
     */
    T pollIfNext(L lane) {
        lock.lock();
        try {
            if (takers > 0 || lanes.isEmpty() || !lanes.keySet().iterator().next().equals(lane)) {
                return null;
            }
            return pollHead().item();
        } finally {
            lock.unlock();
        }
    }

    /** Whether a thread is waiting in {@link #take} (for tests). */
    boolean hasTakers() {
        lock.lock();
        try {
            return takers > 0;
        } finally {
            lock.unlock();
        }
    }

    /** Takes the first lane's first item and moves the lane to the back if it has more. Holds the lock. */
    private Entry<L, T> pollHead() {
        Iterator<Map.Entry<L, ArrayDeque<T>>> first = lanes.entrySet().iterator();
        Map.Entry<L, ArrayDeque<T>> head = first.next();
        L lane = head.getKey();
        ArrayDeque<T> items = head.getValue();
        T item = items.poll();
        first.remove();
        if (!items.isEmpty()) {
            lanes.put(lane, items);
        }
        return new Entry<>(lane, item);
    }

    /** Removes and returns everything queued in {@code lane}. */
    List<T> drain(L lane) {
        lock.lock();
        try {
            ArrayDeque<T> items = lanes.remove(lane);
            return items == null ? List.of() : new ArrayList<>(items);
        } finally {
            lock.unlock();
        }
    }
}
