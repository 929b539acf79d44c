package io.cloaca.cli;

import io.cloaca.engine.store.Database;
import io.cloaca.engine.store.DatabaseUrl;

/**
 * Start-up: while GraalPy initialises Python on the main thread (about 2 s, one core), a background
 * thread opens and migrates a throwaway in-memory database, so that the classes of the pool, the
 * SQLite driver and Flyway are loaded and warm by the time the script opens its runner. It only costs
 * time on the otherwise idle second core; any failure is ignored (the script's own runner reports it).
 */
final class EngineWarmUp {

    private EngineWarmUp() {
    }

    static void start() {
        Thread warm = new Thread(() -> {
            try (Database db = Database.open(DatabaseUrl.parse(":memory:"), 1, true)) {
                db.migrate(null);
            } catch (RuntimeException ignored) {
                // only a warm-up
            }
        }, "cloaca-warm-up");
        warm.setDaemon(true);
        warm.setPriority(Thread.MIN_PRIORITY);
        warm.start();
    }
}
