package io.cloaca.api;

import io.cloaca.python.EmbeddedPython;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The Python side of an engine ({@link Cloaca#python()}): loads {@code .py} workflow files written with the
 * {@code cloaca} module, whose workflows {@link Cloaca#execute} then runs like Java ones, and hands out their
 * tasks for workflows built in Java.
 *
 * <pre>{@code
 * cloaca.python().load(Path.of("workflows/etl.py"));       // registers what the file registers
 * cloaca.execute("etl", Context.empty());
 * Task shout = cloaca.python().task("shout");            // a @cloaca.task of a loaded file
 * }</pre>
 *
 * <p>One interpreter per engine: files loaded into it see each other's modules. Task functions run on the
 * engine's worker threads; GraalPy's global interpreter lock lets one run Python at a time.
 */
public final class PythonWorkflows {

    private final EmbeddedPython python;

    PythonWorkflows(EmbeddedPython python) {
        this.python = python;
    }

    /**
     * Runs a workflow file as a module named after it (so its {@code if __name__ == "__main__":} part does
     * not run), with its folder on {@code sys.path}. Its {@code register_workflow_constructor} calls and
     * {@code with WorkflowBuilder} blocks register workflows in this engine; a name already registered, by
     * Java or Python, is replaced. Loading a file again runs it again.
     *
     * @return this, to load more files
     * @throws NullPointerException if {@code file} is null
     * @throws ScriptLoadException  if the file cannot be read (as UTF-8), has a syntax error, or raises
     *                              while it runs: the message names the file and line
     */
    public PythonWorkflows load(Path file) {
        Objects.requireNonNull(file, "file");
        Path absolute = file.toAbsolutePath().normalize();
        String source;
        try {
            source = Files.readString(absolute);
        } catch (NoSuchFileException e) {
            throw new ScriptLoadException(file, 0, null, "no such file", null, e);
        } catch (AccessDeniedException e) {
            throw new ScriptLoadException(file, 0, null, "not readable (permission denied)", null, e);
        } catch (CharacterCodingException e) {
            throw new ScriptLoadException(file, 0, null, "not UTF-8 text", null, e);
        } catch (IOException e) {
            throw new ScriptLoadException(file, 0, null, "cannot be read: " + e, null, e);
        }
        python.load(absolute.toString(), source).ifPresent(failure -> {
            throw new ScriptLoadException(file, failure.line(), failure.type(), failure.message(), failure.details(),
                    null);
        });
        return this;
    }

    /**
     * The task a loaded file declared with {@code @cloaca.task(id=...)} (or, without an id, by its function
     * name), to use in a workflow built in Java. Only its function counts there: the Java workflow gives
     * it its dependencies and retries. It reads and returns the context as Python's {@code cloaca.Context}.
     *
     * @throws NullPointerException     if {@code id} is null
     * @throws IllegalArgumentException if no loaded file declares a task {@code id} (the message lists those
     *                                  that do)
     */
    public Task task(String id) {
        Objects.requireNonNull(id, "id");
        return python.task(id).<Task>map(body -> new PythonTask(id, body)).orElseThrow(() ->
                new IllegalArgumentException("No loaded Python file declares a task '" + id + "'; declared tasks: "
                        + python.taskIds() + ". Load the file first with python().load(path)"));
    }
}
