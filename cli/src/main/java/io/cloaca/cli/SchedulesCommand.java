package io.cloaca.cli;

import io.cloaca.engine.context.Context;
import io.cloaca.engine.cron.CronExecution;
import io.cloaca.engine.cron.CronJson;
import io.cloaca.engine.cron.CronSchedule;
import io.cloaca.engine.cron.CronStore;
import io.cloaca.engine.cron.Rfc3339;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * {@code cloaca schedules list|show|history}: reads the cron schedules a database (or schema) holds,
 * from any process, as tables or as JSON for scripts. Read-only; no Python is started.
 */
@Command(name = "schedules", mixinStandardHelpOptions = true,
        description = {"List cron schedules (the default), show one, or show the instants it fired.",
                "Reads the database only; it never changes anything."},
        subcommands = {SchedulesCommand.List.class, SchedulesCommand.Show.class, SchedulesCommand.History.class})
final class SchedulesCommand implements Callable<Integer> {

    @Mixin
    ReadOptions source = new ReadOptions();

    @Option(names = "--enabled", description = "Only enabled schedules.")
    boolean enabledOnly;

    /** Without a subcommand the schedules are listed, as {@code cloaca executions} lists executions. */
    @Override
    public Integer call() {
        return new List(source, enabledOnly).call();
    }

    private static CronStore store(ReadDatabase db) {
        return new CronStore(db.database(), db.schema());
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the schedules, by workflow name.")
    static final class List implements Callable<Integer> {
        @Mixin
        ReadOptions source = new ReadOptions();

        @Option(names = "--enabled", description = "Only enabled schedules.")
        boolean enabledOnly;

        List() {
        }

        List(ReadOptions source, boolean enabledOnly) {
            this.source = source;
            this.enabledOnly = enabledOnly;
        }

        @Override
        public Integer call() {
            return source.read("cloaca schedules list", SchedulesCommand::store, (store, out) -> {
                java.util.List<CronSchedule> schedules = store.list(enabledOnly, Integer.MAX_VALUE, 0);
                if (source.json) {
                    out.println(Context.JSON.writeValueAsString(schedules.stream().map(CronJson::schedule).toList()));
                    return 0;
                }
                out.printf("%-36s  %-20s  %-16s  %-16s  %-8s  %-7s  %s%n", "SCHEDULE", "WORKFLOW", "EXPRESSION",
                        "TIMEZONE", "CATCHUP", "ENABLED", "NEXT RUN");
                for (CronSchedule s : schedules) {
                    out.printf("%-36s  %-20s  %-16s  %-16s  %-8s  %-7s  %s%n", s.id(), s.workflowName(),
                            s.cronExpression(), s.timezone(), s.catchupPolicy().keyword(), s.enabled() ? "yes" : "no",
                            Rfc3339.format(s.nextRunAt()));
                }
                return 0;
            });
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one schedule.")
    static final class Show implements Callable<Integer> {
        @Mixin
        ReadOptions source = new ReadOptions();

        @Parameters(paramLabel = "SCHEDULE_ID")
        String id;

        @Override
        public Integer call() {
            return source.read("cloaca schedules show", SchedulesCommand::store, (store, out) -> {
                var found = validId(id) ? store.find(id.toLowerCase()) : java.util.Optional.<CronSchedule>empty();
                if (found.isEmpty()) {
                    System.err.println("cloaca schedules show: no schedule " + id + " in this database");
                    return 1;
                }
                Map<String, Object> fields = CronJson.schedule(found.get());
                if (source.json) {
                    out.println(Context.JSON.writeValueAsString(fields));
                } else {
                    fields.forEach((k, v) -> out.printf("%-16s %s%n", k + ":", v == null ? "" : v));
                }
                return 0;
            });
        }
    }

    @Command(name = "history", mixinStandardHelpOptions = true,
            description = "The instants a schedule claimed, newest first, with the execution each started.")
    static final class History implements Callable<Integer> {
        @Mixin
        ReadOptions source = new ReadOptions();

        @Parameters(paramLabel = "SCHEDULE_ID")
        String id;

        @Option(names = {"-n", "--limit"}, paramLabel = "N", defaultValue = "20", description = "How many (default: 20).")
        int limit;

        @Override
        public Integer call() {
            if (!ReadOptions.atLeastOne("cloaca schedules history", "--limit", limit)) {
                return 2;
            }
            return source.read("cloaca schedules history", SchedulesCommand::store, (store, out) -> {
                if (!validId(id) || store.find(id.toLowerCase()).isEmpty()) {
                    System.err.println("cloaca schedules history: no schedule " + id + " in this database");
                    return 1;
                }
                java.util.List<CronExecution> rows = store.history(id.toLowerCase(), limit, 0);
                if (source.json) {
                    out.println(Context.JSON.writeValueAsString(rows.stream().map(CronJson::execution).toList()));
                    return 0;
                }
                out.printf("%-25s  %-8s  %-36s  %-9s  %s%n", "SCHEDULED", "OUTCOME", "EXECUTION", "STATUS", "DETAIL");
                for (CronExecution r : rows) {
                    out.printf("%-25s  %-8s  %-36s  %-9s  %s%n", Rfc3339.format(r.scheduledTime()), r.outcome().keyword(),
                            r.executionId() == null ? "" : r.executionId(),
                            r.executionStatus() == null ? "" : r.executionStatus(), r.detail() == null ? "" : r.detail());
                }
                return 0;
            });
        }
    }

    private static boolean validId(String id) {
        try {
            UUID.fromString(id);
            return id.length() == 36;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
