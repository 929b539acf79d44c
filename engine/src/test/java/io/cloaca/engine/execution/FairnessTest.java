package io.cloaca.engine.execution;

import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.workflow.Workflow;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runners sharing a worker pool (tenants of one database) are served in turn. */
class FairnessTest {

    @TempDir
    Path dir;

    @Test
    void a_tenant_backlog_does_not_starve_another_tenant() throws Exception {
        List<String> starts = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch everythingQueued = new CountDownLatch(1);
        WorkflowRegistry registry = new WorkflowRegistry();
        registry.register(Workflow.builder("bulk").task("work", ctx -> {
            starts.add("bulk");
            // The first bulk task holds the only worker until both tenants have queued their work.
            everythingQueued.await(60, TimeUnit.SECONDS);
            return ctx;
        }).build());
        registry.register(Workflow.builder("single").task("work", ctx -> {
            starts.add("single");
            return ctx;
        }).build());
        RunnerConfig oneWorker = RunnerConfig.builder().maxConcurrentTasks(1).build();
        // No background polls: with a shared registry, the quiet tenant's poll would queue the busy tenant's
        // Ready tasks in its own lane (the SQLite file is shared), and this test is about the queue alone.
        try (RunnerFactory factory = new RunnerFactory(registry, java.time.Clock.systemUTC(), false)) {
            Runner busy;
            Runner quiet;
            if (TestDatabases.postgres()) {
                busy = factory.openSchema(TestDatabases.PG_URL, TestDatabases.newSchemaName(), oneWorker);
                quiet = factory.openSchema(TestDatabases.PG_URL, TestDatabases.newSchemaName(), oneWorker);
            } else {
                String file = "sqlite://" + dir.resolve("shared.db");
                busy = factory.open(file, oneWorker);
                quiet = factory.open(file, oneWorker);
            }
            List<Runner.Submission> backlog = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                backlog.add(busy.submit("bulk", Context.empty()));
            }
            Runner.Submission single = quiet.submit("single", Context.empty());
            everythingQueued.countDown();
            single.result().get(60, TimeUnit.SECONDS);
            for (Runner.Submission s : backlog) {
                s.result().get(60, TimeUnit.SECONDS);
            }
            assertEquals(41, starts.size());
            int position = starts.indexOf("single");
            // Round robin: after the task holding the worker, the busy tenant gets one slot, then the
            // quiet tenant, not after the 39 bulk tasks queued before it.
            assertTrue(position <= 2, "the quiet tenant's task started at position " + position + " of " + starts);
        }
    }
}
