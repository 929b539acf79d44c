package io.cloaca.engine.durability;

import io.cloaca.engine.TestDatabases;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.store.Database;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.ExecutionStatus;
import io.cloaca.engine.store.ExecutionStore;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three runner processes on one PostgreSQL schema work through 300 queued executions: all complete, no
 * task body runs twice, and every process takes a share.
 */
class SeveralRunnersTest {

    private static final int EXECUTIONS = 300;
    private static final int PROCESSES = 3;

    @Test
    void three_processes_share_300_executions_without_running_a_task_twice() throws Exception {
        String schema = TestDatabases.newSchemaName();
        String url = TestDatabases.PG_URL + "?schema=" + schema;
        List<Process> processes = new ArrayList<>();
        try (Database db = Database.open(DatabaseUrl.parse(url), 2, true)) {
            db.migrate(schema);
            try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE \"" + schema + "\".side_effects (n INT NOT NULL, task TEXT NOT NULL,"
                        + " runner TEXT NOT NULL)");
            }
            for (int i = 1; i <= PROCESSES; i++) {
                processes.add(startRunner(url, "runner-" + i));
            }
            ExecutionStore store = new ExecutionStore(db, schema);
            var workflow = CountingRunnerProcess.workflow(schema, "submitter", () -> null);
            List<String> ids = new ArrayList<>();
            for (int n = 0; n < EXECUTIONS; n++) {
                String id = UUID.randomUUID().toString();
                store.createExecution(id, workflow.name(), workflow, Context.empty().set("n", n).toJson(), System.currentTimeMillis());
                ids.add(id);
            }
            awaitAllEnded(store, ids);
            for (String id : ids) {
                assertEquals(ExecutionStatus.Completed, store.findExecution(id).orElseThrow().status(), id);
            }
            try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
                assertEquals(0, count(st, "SELECT count(*) FROM (SELECT n, task FROM \"" + schema
                        + "\".side_effects GROUP BY n, task HAVING count(*) > 1) twice"), "task bodies that ran twice");
                assertEquals(2 * EXECUTIONS, count(st, "SELECT count(*) FROM \"" + schema + "\".side_effects"));
                Map<String, Integer> perRunner = new HashMap<>();
                try (ResultSet rs = st.executeQuery("SELECT runner, count(*) FROM \"" + schema
                        + "\".side_effects GROUP BY runner")) {
                    while (rs.next()) {
                        perRunner.put(rs.getString(1), rs.getInt(2));
                    }
                }
                assertEquals(PROCESSES, perRunner.size(), "every process took work: " + perRunner);
                perRunner.forEach((runner, n) -> assertTrue(n >= 2 * EXECUTIONS / 20,
                        runner + " ran only " + n + " tasks: " + perRunner));
                System.out.println("tasks per runner process: " + perRunner);
            }
        } finally {
            processes.forEach(Process::destroyForcibly);
        }
    }

    private static Process startRunner(String url, String name) throws Exception {
        return startProcess(CountingRunnerProcess.class, url, name);
    }

    /**
     * Starts {@code main} with this test's class path and arguments {@code url name more...}; returns once
     * it printed {@code ready <name>}.
     */
    static Process startProcess(Class<?> main, String url, String name, String... more) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", main.getName(), url, name));
        command.addAll(List.of(more));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        // Log lines (a recovery at start-up, say) may come before the process says it is ready.
        for (String line = out.readLine(); !("ready " + name).equals(line); line = out.readLine()) {
            if (line == null) {
                throw new AssertionError("runner process " + name + " ended before it was ready (exit "
                        + p.waitFor() + ")");
            }
            System.out.println("[" + name + "] " + line);
        }
        Thread drain = new Thread(() -> out.lines().forEach(l -> System.out.println("[" + name + "] " + l)));
        drain.setDaemon(true);
        drain.start();
        return p;
    }

    private static void awaitAllEnded(ExecutionStore store, List<String> ids) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            if (store.findFinished(ids).size() == ids.size()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("not every execution ended within 3 minutes: "
                + store.findFinished(ids).size() + " of " + ids.size());
    }

    private static int count(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

}
