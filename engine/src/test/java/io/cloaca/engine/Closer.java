package io.cloaca.engine;

import java.util.ArrayList;
import java.util.List;

/** Closes what a test opened, last opened first. */
public final class Closer implements AutoCloseable {

    private final List<AutoCloseable> open = new ArrayList<>();

    /** Remembers {@code resource} for {@link #close()}; returns it. */
    public <T extends AutoCloseable> T add(T resource) {
        open.add(resource);
        return resource;
    }

    @Override
    public void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.remove(i).close();
        }
    }
}
