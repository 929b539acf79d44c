package io.cloaca.engine.cron;

import io.cloaca.engine.execution.Runner;
import io.cloaca.engine.execution.RunnerConfig;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.cloaca.engine.TestSupport.GENEROUS;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The background scheduler on the real clock: it sleeps until the next instant, not until a poll tick. */
class CronOnTimeTest {

    @Test
    void a_two_second_schedule_fires_repeatedly_although_the_database_is_rechecked_only_hourly() throws Exception {
        CountDownLatch fired = new CountDownLatch(3);
        WorkflowRegistry registry = new WorkflowRegistry();
        registry.register(Workflow.builder("tick").task("count", ctx -> {
            fired.countDown();
            return ctx;
        }).build());
        RunnerConfig config = RunnerConfig.builder()
                .cron(new CronConfig(true, Duration.ofHours(1), 100, Duration.ofMinutes(10))).build();
        try (Runner runner = Runner.open(":memory:", config, registry)) {
            runner.cron().register("tick", "*/2 * * * * *", "UTC");
            assertTrue(fired.await(GENEROUS.toSeconds(), TimeUnit.SECONDS),
                    "three instants should have fired; an hourly poll would have fired none");
        }
    }
}
