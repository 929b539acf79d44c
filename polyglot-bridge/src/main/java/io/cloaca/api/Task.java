package io.cloaca.api;

/**
 * The code of a task: it reads the context its dependencies left and changes it in place.
 *
 * <p>Called on one of the engine's worker threads (named {@code cloaca-...-worker-N}) with a context of its
 * own, after the outcome of every dependency has been committed. Returning ends the attempt as completed
 * and the context is committed; throwing anything, an {@link Error} included, fails the attempt, which the
 * task's {@link Retry} may repeat. A task must not close the engine that runs it.
 */
@FunctionalInterface
public interface Task {

    /** Runs one attempt. */
    void run(Context context) throws Exception;
}
