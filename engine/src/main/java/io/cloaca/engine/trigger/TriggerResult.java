package io.cloaca.engine.trigger;

import io.cloaca.engine.context.Context;

/**
 * What one poll of a trigger answers: {@link Skip} (nothing happened) or {@link Fire} (start the
 * trigger's workflow, with this context if there is one).
 */
public sealed interface TriggerResult permits TriggerResult.Skip, TriggerResult.Fire {

    /** Nothing to do this time. */
    static TriggerResult skip() {
        return Skip.INSTANCE;
    }

    /** Start the workflow with an empty context (plus {@code trigger_name} and {@code triggered_at}). */
    static TriggerResult fire() {
        return new Fire(null);
    }

    /** Start the workflow with {@code context} (plus {@code trigger_name} and {@code triggered_at}); null: none. */
    static TriggerResult fire(Context context) {
        return new Fire(context);
    }

    /** The poll saw nothing worth a run. */
    enum Skip implements TriggerResult {
        INSTANCE
    }

    /** @param context the new execution's context before the trigger keys are added, or null for none */
    record Fire(Context context) implements TriggerResult {
    }
}
