package io.cloaca.engine.execution;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.workflow.WorkflowRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    /** The pool's URL names whichever schema opened it; each runner's {@code url()} names its own. */
    @Test
    void each_tenant_runner_names_its_own_schema() {
        try (RunnerFactory factory = new RunnerFactory(new WorkflowRegistry())) {
            String a = TestDatabases.newSchemaName();
            String b = TestDatabases.newSchemaName();
            Runner first = factory.open(TestDatabases.PG_URL + "?schema=" + a, RunnerConfig.DEFAULT);
            Runner second = factory.openSchema(TestDatabases.PG_URL, b, RunnerConfig.DEFAULT);
            Runner plain = factory.open(TestDatabases.PG_URL, RunnerConfig.DEFAULT);
            assertSame(first.database(), second.database());
            assertEquals(a, ((DatabaseUrl.Postgres) first.url()).schema());
            assertEquals(b, ((DatabaseUrl.Postgres) second.url()).schema());
            assertNull(((DatabaseUrl.Postgres) plain.url()).schema());
        }
    }

    @Test
    void a_url_pinning_another_schema_is_refused_and_the_same_one_is_fine() {
        try (RunnerFactory factory = new RunnerFactory(new WorkflowRegistry())) {
            String a = TestDatabases.newSchemaName();
            String b = TestDatabases.newSchemaName();
            String pinned = TestDatabases.PG_URL + "?schema=" + a;
            CloacaException refused = assertThrows(CloacaException.class,
                    () -> factory.openSchema(pinned, b, RunnerConfig.DEFAULT));
            assertEquals(CloacaException.Kind.INVALID_ARGUMENT, refused.kind());
            assertEquals("Schema '" + b + "' was asked for, but the URL pins schema '" + a
                    + "'; drop ?schema= from the URL or give the same name in both", refused.getMessage());
            assertEquals(a, factory.openSchema(pinned, a, RunnerConfig.DEFAULT).schema());
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
