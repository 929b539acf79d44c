package io.cloaca.engine.store;

import java.util.List;

/**
 * What recording an outcome changed.
 *
 * @param recorded  false when this runner no longer owned the task (its lease was lost): nothing was written
 * @param ready     tasks that became Ready and should be queued
 * @param next      a dependent already claimed for the finishing worker, so it can run without another commit; may be null
 * @param finished  the execution when this outcome ended it, else null
 */
public record FinishResult(boolean recorded, List<String> ready, ClaimedTask next, ExecutionRecord finished) {

    static final FinishResult LOST = new FinishResult(false, List.of(), null, null);
}
