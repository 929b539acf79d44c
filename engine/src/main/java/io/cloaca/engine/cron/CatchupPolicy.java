package io.cloaca.engine.cron;

import io.cloaca.engine.CloacaException;

import java.util.Arrays;

/**
 * What a schedule does with instants it missed while no runner was up (or it was late by more than
 * one instant). Either way each missed instant shows in the history; the bound on how many instants
 * one catch-up handles is {@link CronConfig#maxCatchup()}.
 */
public enum CatchupPolicy {
    /** Run once, for the earliest missed instant (upstream's rule); the later ones are recorded as skipped. */
    SKIP("skip"),
    /** Run every missed instant, oldest first, up to the catch-up bound; beyond it they are recorded as skipped. */
    RUN_ALL("run_all");

    private final String keyword;

    CatchupPolicy(String keyword) {
        this.keyword = keyword;
    }

    /** The name stored in the database and accepted from Python: {@code skip} or {@code run_all}. */
    public String keyword() {
        return keyword;
    }

    /** @throws CloacaException INVALID_ARGUMENT naming the value and the accepted ones */
    public static CatchupPolicy of(String keyword) {
        return Arrays.stream(values()).filter(p -> p.keyword.equals(keyword)).findFirst()
                .orElseThrow(() -> CloacaException.invalidArgument("Invalid catchup_policy '" + keyword
                        + "': expected 'skip' or 'run_all'"));
    }
}
