package io.cloaca.engine.store;

/**
 * What started an execution other than a caller's execute, as its row records it from its creation on
 * (columns {@code started_by} and {@code starter}): it outlives the schedule's or trigger's audit rows.
 *
 * @param kind    {@link #CRON} or {@link #TRIGGER}
 * @param starter the cron schedule's id, or the trigger's name
 */
public record StartedBy(String kind, String starter) {

    public static final String CRON = "cron";
    public static final String TRIGGER = "trigger";

    public static StartedBy cron(String scheduleId) {
        return new StartedBy(CRON, scheduleId);
    }

    public static StartedBy trigger(String triggerName) {
        return new StartedBy(TRIGGER, triggerName);
    }

    /** The cron schedule's id, or null when a trigger started it. */
    public String scheduleId() {
        return CRON.equals(kind) ? starter : null;
    }

    /** The trigger's name, or null when a cron schedule started it. */
    public String triggerName() {
        return TRIGGER.equals(kind) ? starter : null;
    }
}
