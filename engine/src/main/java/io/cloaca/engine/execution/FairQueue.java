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

    /** A thread blocked in {@link #take}, with the condition only it waits on. */
    private static final class Taker {
        final Condition woken;
        /** Popped from {@link #idle} by a put: no longer on the stack, though it may find the item gone. */
        boolean signalled;

        Taker(Condition woken) {
            this.woken = woken;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    /**
     * Blocked takers, the one that blocked last on top. A put wakes the top one: when work comes one item
     * at a time, the same worker (and the pooled connection its thread used last) takes each, where waking
     * the longest-idle one would rotate every item through all the workers and their connections.
     */
    private final ArrayDeque<Taker> idle = new ArrayDeque<>();
    /** Lanes with work, in serving order: a served lane moves to the back. */
    private final LinkedHashMap<L, ArrayDeque<T>> lanes = new LinkedHashMap<>();
    /** Threads blocked in {@link #take}; guarded by {@code lock}. */
    private int takers;

    void put(L lane, T item) {
        lock.lock();
        try {
            lanes.computeIfAbsent(lane, l -> new ArrayDeque<>()).add(item);
            wakeOne();
        } finally {
            lock.unlock();
        }
    }

    /** Blocks until an item is available; the interrupt flag ends the wait. */
    Entry<L, T> take() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            if (lanes.isEmpty()) {
                awaitItem();
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

    /** Waits on the top of the stack until an item is there. Holds the lock. */
    private void awaitItem() throws InterruptedException {
        Taker me = new Taker(lock.newCondition());
        boolean served = false;
        takers++;
        idle.push(me);
        try {
            while (lanes.isEmpty()) {
                if (me.signalled) { // another thread took the item it was woken for: back on top
                    me.signalled = false;
                    idle.push(me);
                }
                me.woken.await();
            }
            served = true;
        } finally {
            takers--;
            if (!me.signalled) {
                idle.remove(me); // left without a put choosing it (woken spuriously, or interrupted)
            } else if (!served && !lanes.isEmpty()) {
                wakeOne(); // interrupted after a put chose it: its item must not wait for the next put
            }
        }
    }

    /** Wakes the taker that blocked last, if any. Holds the lock. */
    private void wakeOne() {
        Taker top = idle.poll();
        if (top != null) {
            top.signalled = true;
            top.woken.signal();
        }
    }

    /** Threads waiting in {@link #take} (for tests). */
    int takers() {
        lock.lock();
        try {
            return takers;
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
