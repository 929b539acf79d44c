package io.cloaca.cli;

import io.cloaca.engine.context.Context;
import io.cloaca.engine.cron.Rfc3339;
import io.cloaca.engine.trigger.TriggerExecution;
import io.cloaca.engine.trigger.TriggerJson;
import io.cloaca.engine.trigger.TriggerSchedule;
import io.cloaca.engine.trigger.TriggerStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code cloaca triggers list|show|history}: reads the event triggers a database (or schema) holds, from
 * any process, as tables or as JSON with the Python API's keys. Read-only; no Python is started, so the
 * poll functions themselves (which live in the scripts that define them) are not involved.
 */
@Command(name = "triggers", mixinStandardHelpOptions = true,
        description = {"List event triggers (the default), show one, or show the polls that fired or failed.",
                "Reads the database only; it never changes anything."},
        subcommands = {TriggersCommand.List.class, TriggersCommand.Show.class, TriggersCommand.History.class})
final class TriggersCommand implements Callable<Integer> {

    @Mixin
    ReadOptions source = new ReadOptions();

    @Option(names = "--enabled", description = "Only enabled triggers.")
    boolean enabledOnly;

    /** Without a subcommand the triggers are listed, as {@code cloaca executions} lists executions. */
    @Override
    public Integer call() {
        return new List(source, enabledOnly).call();
    }

    private static TriggerStore store(ReadDatabase db) {
        return new TriggerStore(db.database(), db.schema());
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the triggers, by name.")
    static final class List implements Callable<Integer> {
        @Mixin
        ReadOptions source = new ReadOptions();

        @Option(names = "--enabled", description = "Only enabled triggers.")
        boolean enabledOnly;

        List() {
        }

        List(ReadOptions source, boolean enabledOnly) {
            this.source = source;
            this.enabledOnly = enabledOnly;
        }

        @Override
        public Integer call() {
            return source.read("cloaca triggers list", TriggersCommand::store, (store, out) -> {
                java.util.List<TriggerSchedule> triggers = store.list(enabledOnly, Integer.MAX_VALUE, 0);
                if (source.json) {
                    out.println(Context.JSON.writeValueAsString(triggers.stream().map(TriggerJson::schedule).toList()));
                    return 0;
                }
                out.printf("%-24s  %-24s  %-20s  %-10s  %-7s  %s%n", "TRIGGER", "WORKFLOW", "EVERY", "CONCURRENT",
                        "ENABLED", "NEXT POLL");
                for (TriggerSchedule t : triggers) {
                    out.printf("%-24s  %-24s  %-20s  %-10s  %-7s  %s%n", t.triggerName(), t.workflowName(), every(t),
                            t.allowConcurrent() ? "yes" : "no", t.enabled() ? "yes" : "no", Rfc3339.format(t.nextPollAt()));
                }
                return 0;
            });
        }

        /** "250 ms", or the cron expression with its zone. */
        private static String every(TriggerSchedule t) {
            return t.pollIntervalMs() != null ? t.pollIntervalMs() + " ms"
                    : t.cronExpression() + (t.timezone() == null ? "" : " " + t.timezone());
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one trigger.")
    static final class Show implements Callable<Integer> {
        @Mixin
        ReadOptions source = new ReadOptions();

        @Parameters(paramLabel = "TRIGGER_NAME")
        String name;

        @Override
        public Integer call() {
            return source.read("cloaca triggers show", TriggersCommand::store, (store, out) -> {
                var found = store.find(name);
                if (found.isEmpty()) {
                    System.err.println("cloaca triggers show: no trigger " + name + " in this database");
                    return 1;
                }
                Map<String, Object> fields = TriggerJson.schedule(found.get());
                if (source.json) {
                    out.println(Context.JSON.writeValueAsString(fields));
                } else {
                    fields.forEach((k, v) -> out.printf("%-17s %s%n", k + ":", v == null ? "" : v));
                }
                return 0;
            });
        }
    }

    @Command(name = "history", mixinStandardHelpOptions = true,
            description = "The polls of a trigger that fired (with the execution each started) or failed, newest first.")
    static final class History implements Callable<Integer> {
        @Mixin
        ReadOptions source = new ReadOptions();

        @Parameters(paramLabel = "TRIGGER_NAME")
        String name;

        @Option(names = {"-n", "--limit"}, paramLabel = "N", defaultValue = "20", description = "How many (default: 20).")
        int limit;

        @Override
        public Integer call() {
            if (!ReadOptions.atLeastOne("cloaca triggers history", "--limit", limit)) {
                return 2;
            }
            return source.read("cloaca triggers history", TriggersCommand::store, (store, out) -> {
                if (store.find(name).isEmpty()) {
                    System.err.println("cloaca triggers history: no trigger " + name + " in this database");
                    return 1;
                }
                java.util.List<TriggerExecution> rows = store.history(name, limit, 0);
                if (source.json) {
                    out.println(Context.JSON.writeValueAsString(rows.stream().map(TriggerJson::execution).toList()));
                    return 0;
                }
                out.printf("%-29s  %-7s  %-36s  %-9s  %s%n", "POLLED", "OUTCOME", "EXECUTION", "STATUS", "DETAIL");
                for (TriggerExecution r : rows) {
                    out.printf("%-29s  %-7s  %-36s  %-9s  %s%n", Rfc3339.format(r.polledAt()), r.outcome().keyword(),
                            r.executionId() == null ? "" : r.executionId(),
                            r.executionStatus() == null ? "" : r.executionStatus(), r.detail() == null ? "" : r.detail());
                }
                return 0;
            });
        }
    }
}
