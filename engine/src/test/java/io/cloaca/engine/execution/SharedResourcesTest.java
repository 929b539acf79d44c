package io.cloaca.engine.execution;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How far many idle runners of one pool spread their cron rechecks. */
class SharedResourcesTest {

    @Test
    void the_cron_recheck_is_kept_for_a_few_runners_and_spread_for_thousands() {
        Duration thirty = Duration.ofSeconds(30);
        assertEquals(thirty, SharedResources.stretchedRecheck(thirty, 1));
        assertEquals(thirty, SharedResources.stretchedRecheck(thirty, 1_000), "20 s spread is shorter than 30 s");
        assertEquals(Duration.ofSeconds(200), SharedResources.stretchedRecheck(thirty, 10_000),
                "10,000 runners recheck 50 a second in all");
    }
}
