package io.cloaca.cli.ui;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloaca.engine.CloacaException;
import io.cloaca.engine.context.Context;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One poller for every open event stream: it reads {@link io.cloaca.engine.store.ExecutionHistory#activity()}
 * of each schema someone is watching, compares it with the previous reading and queues server-sent
 * event frames for that schema's subscribers. Polling the database (rather than listening to a runner)
 * is what makes executions of any process on that database appear.
 *
 * <p>Frames: {@code event: change} with {@code {"list": true, "executions": [ids]}} when something
 * changed, {@code event: status} with {@code {"error": message-or-null}} when the database becomes
 * unreachable or reachable again.
 */
final class ChangeFeed implements AutoCloseable {

    /** The engine's mapper: one JSON configuration for the whole project. */
    private static final ObjectMapper JSON = Context.JSON;
    /** Frames a slow subscriber may have pending before it is dropped (its page reconnects). */
    private static final int MAX_PENDING = 256;
    /** Queued instead of a frame to end a stream. */
    static final String END = "";

    private final HistorySource source;
    private final Duration interval;
    private final Map<Subscription, Boolean> subscribers = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> lastActivity = new HashMap<>();
    private final Map<String, String> lastError = new HashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    /** An open stream: the frames queued for it, for the schema it watches ("" for the default). */
    static final class Subscription {
        final String schema;
        final BlockingQueue<String> frames = new LinkedBlockingQueue<>(MAX_PENDING);

        Subscription(String schema) {
            this.schema = schema;
        }
    }

    ChangeFeed(HistorySource source, Duration interval) {
        this.source = source;
        this.interval = interval;
        this.thread = new Thread(this::loop, "cloaca-ui-poller");
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts queueing frames for a new stream; the first frame says whether the database is reachable. */
    Subscription subscribe(String schema) {
        Subscription s = new Subscription(schema == null ? "" : schema);
        synchronized (this) {
            String key = s.schema;
            if (lastError.containsKey(key)) {
                s.frames.offer(statusFrame(lastError.get(key)));
            }
            subscribers.put(s, Boolean.TRUE);
        }
        synchronized (thread) {
            thread.notifyAll(); // a first subscriber should not wait out an idle interval
        }
        return s;
    }

    void unsubscribe(Subscription s) {
        subscribers.remove(s);
    }

    int subscriberCount() {
        return subscribers.size();
    }

    private void loop() {
        while (running) {
            Set<String> schemas = new LinkedHashSet<>();
            subscribers.keySet().forEach(s -> schemas.add(s.schema));
            for (String schema : schemas) {
                poll(schema);
            }
            synchronized (this) {
                lastActivity.keySet().retainAll(schemas);
                lastError.keySet().retainAll(schemas);
            }
            try {
                synchronized (thread) {
                    thread.wait(subscribers.isEmpty() ? 0 : interval.toMillis());
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void poll(String schema) {
        Map<String, String> now = null;
        String error = null;
        try {
            now = source.history(schema.isEmpty() ? null : schema).activity();
        } catch (CloacaException e) {
            error = e.getMessage();
        }
        publishChanges(schema, now, error);
    }

    private synchronized void publishChanges(String schema, Map<String, String> now, String error) {
        if (!lastError.containsKey(schema) || !Objects.equals(lastError.get(schema), error)) {
            lastError.put(schema, error);
            publish(schema, statusFrame(error));
        }
        if (now == null) {
            return;
        }
        // A first reading is announced too: a page may have read the history just before it subscribed.
        Map<String, String> before = Objects.requireNonNullElse(lastActivity.put(schema, now), Map.of());
        if (before.equals(now)) {
            return;
        }
        Set<String> changed = new LinkedHashSet<>();
        now.forEach((id, stamp) -> {
            if (!id.isEmpty() && !stamp.equals(before.get(id))) {
                changed.add(id);
            }
        });
        before.keySet().stream().filter(id -> !id.isEmpty() && !now.containsKey(id)).forEach(changed::add);
        ObjectNode data = JSON.createObjectNode().put("list", true);
        var ids = data.putArray("executions");
        changed.forEach(ids::add);
        publish(schema, "event: change\ndata: " + data + "\n\n");
    }

    private void publish(String schema, String frame) {
        subscribers.keySet().forEach(s -> {
            if (s.schema.equals(schema) && !s.frames.offer(frame)) {
                subscribers.remove(s); // too far behind: its stream ends and the page reconnects
                s.frames.clear();
                s.frames.offer(END);
            }
        });
    }

    private static String statusFrame(String error) {
        ObjectNode data = JSON.createObjectNode();
        data.put("error", error);
        return "event: status\ndata: " + data + "\n\n";
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
