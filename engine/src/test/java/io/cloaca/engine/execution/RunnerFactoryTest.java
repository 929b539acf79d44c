package io.cloaca.engine.execution;

import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which runners share a pool and workers, and that the last one out closes them. */
class RunnerFactoryTest {

    @TempDir
    Path dir;

    @Test
    void tenant_runners_on_one_url_share_one_pool() {
        try (RunnerFactory factory = new RunnerFactory(new WorkflowRegistry())) {
            Runner a = factory.openSchema(TestDatabases.PG_URL, TestDatabases.newSchemaName(), RunnerConfig.DEFAULT);
            Runner b = factory.openSchema(TestDatabases.PG_URL, TestDatabases.newSchemaName(), RunnerConfig.DEFAULT);
            assertSame(a.database(), b.database());
        }
    }

    @Test
    void runners_on_one_sqlite_file_share_and_in_memory_runners_do_not() {
        try (RunnerFactory factory = new RunnerFactory(new WorkflowRegistry())) {
            String file = "sqlite://" + dir.resolve("x.db");
            assertSame(factory.open(file, RunnerConfig.DEFAULT).database(),
                    factory.open(file, RunnerConfig.DEFAULT).database());
            assertNotSame(factory.open(":memory:", RunnerConfig.DEFAULT).database(),
                    factory.open(":memory:", RunnerConfig.DEFAULT).database());
        }
    }

    @Test
    void the_pool_stays_open_until_its_last_runner_shuts_down() {
        try (RunnerFactory factory = new RunnerFactory(new WorkflowRegistry())) {
            String file = "sqlite://" + dir.resolve("y.db");
            Runner first = factory.open(file, RunnerConfig.DEFAULT);
            Runner second = factory.open(file, RunnerConfig.DEFAULT);
            first.shutdown();
            assertTrue(second.history().recentExecutions(null, 1).isEmpty());
            second.shutdown();
            assertTrue(factory.openRunners().isEmpty());
        }
    }
}
