package io.cloaca.python;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.workflow.TaskFailedException;
import io.cloaca.engine.workflow.TaskHandle;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.Value;

import java.time.Duration;

/**
 * A task attempt's {@link TaskHandle} as the shim's {@code cloaca.TaskHandle} calls it. Engine errors
 * arrive as Python builtins: ValueError for a consumed handle (upstream's message) or a stopping runner.
 * The GIL is not held while {@code deferUntil} waits (a host call), so other tasks' Python runs meanwhile.
 */
public final class PythonTaskHandle {

    private final TaskHandle handle;
    private final PythonErrors errors;

    PythonTaskHandle(TaskHandle handle, PythonErrors errors) {
        this.handle = handle;
        this.errors = errors;
    }

    /**
     * @param probe        a Python callable answering a bool, which never raises (the shim catches the
     *                     condition's exceptions and reports them itself)
     * @param pollMillis   positive, checked by the shim
     */
    @HostAccess.Export
    public void deferUntil(Value probe, long pollMillis) {
        try {
            handle.deferUntil(() -> probe.execute().asBoolean(), Duration.ofMillis(pollMillis));
        } catch (CloacaException e) {
            throw errors.translate("", e);
        } catch (TaskFailedException e) {
            // The probe itself failed (not the condition, whose errors it keeps): a guest error we cannot type.
            throw errors.raise("RuntimeError", e.getMessage());
        }
    }

    @HostAccess.Export
    public boolean isSlotHeld() {
        try {
            return handle.isSlotHeld();
        } catch (CloacaException e) {
            throw errors.translate("", e);
        }
    }
}
