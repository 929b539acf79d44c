package io.cloaca.cli;

import io.cloaca.bench.BenchOptions;
import io.cloaca.bench.BenchReport;
import io.cloaca.bench.BenchSuite;
import io.cloaca.bench.ReportFormatter;
import io.cloaca.bench.Scale;
import io.cloaca.engine.store.DatabaseUrl;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

/** {@code cloaca bench}: measures the engine beside raw-database baselines (docs/benchmarks.md). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure throughput and latency beside raw-database baselines measured in the same run.",
                "SQLite (temporary files, synchronous FULL and NORMAL) always; PostgreSQL with --postgres.",
                "Progress goes to stderr, the report to stdout."})
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "Smaller counts: the whole run takes under a minute.")
    boolean quick;

    @Option(names = "--smoke", hidden = true, description = "A handful of iterations, to check every figure is produced.")
    boolean smoke;

    @Option(names = "--postgres", paramLabel = "URL",
            description = "Also measure PostgreSQL, e.g. postgresql://postgres@127.0.0.1:5432/postgres, in a fresh "
                    + "schema (and role) dropped afterwards.")
    String postgresUrl;

    @Option(names = "--markdown", description = "Print the report as Markdown (for docs/benchmarks.md).")
    boolean markdown;

    @Option(names = "--tenants", paramLabel = "N",
            description = "Instead: open N tenant runners (schemas) on the --postgres server in one JVM, run a one-task "
                    + "workflow in each, and report provisioning time beside the same migration scripts run as plain "
                    + "statements, server connections, threads and heap per idle runner.")
    Integer tenants;

    @Option(names = "--cron", paramLabel = "N", arity = "0..1", fallbackValue = "1000",
            description = "Instead: N schedules (default 1000) firing every second in one runner on SQLite for "
                    + "10 s (--quick: 5 s), beside the plain one-task workflow rate; reports how late each instant "
                    + "was claimed and completed.")
    Integer cron;

    @Option(names = "--python-cpu", description = "Instead: only time a CPU-bound Python body under python3, GraalPy "
            + "interpreted and GraalPy JIT (JDK 25), and on 2 worker threads in one context vs a context each.")
    boolean pythonCpu;

    @Override
    public Integer call() throws Exception {
        checkPostgresUrl();
        if (cron != null) {
            var bench = new io.cloaca.bench.CronBench(cron, quick || smoke ? 5 : 10, System.err);
            var out = spec.commandLine().getOut();
            out.print(io.cloaca.bench.CronBench.format(bench.run(), markdown));
            out.flush();
            return 0;
        }
        if (tenants != null) {
            if (postgresUrl == null) {
                throw new ParameterException(spec.commandLine(), "--tenants needs --postgres URL");
            }
            var result = new io.cloaca.bench.TenantScaleBench(postgresUrl, tenants, System.err).run();
            var out = spec.commandLine().getOut();
            out.print(io.cloaca.bench.TenantScaleBench.format(result, markdown));
            out.flush();
            return 0;
        }
        Scale scale = smoke ? Scale.SMOKE : quick ? Scale.QUICK : Scale.FULL;
        BenchSuite suite = new BenchSuite(new BenchOptions(scale, postgresUrl), System.err);
        BenchReport report = pythonCpu ? suite.runPythonCpu() : suite.run();
        var out = spec.commandLine().getOut();
        out.print(markdown ? ReportFormatter.markdown(report) : ReportFormatter.text(report));
        out.flush();
        return 0;
    }

    /** A URL that is not PostgreSQL's is a usage error, found before anything is measured. */
    private void checkPostgresUrl() {
        if (postgresUrl == null) {
            return;
        }
        DatabaseUrl url;
        try {
            url = DatabaseUrl.parse(postgresUrl);
        } catch (RuntimeException e) {
            throw new ParameterException(spec.commandLine(), "--postgres: " + e.getMessage());
        }
        if (!(url instanceof DatabaseUrl.Postgres)) {
            throw new ParameterException(spec.commandLine(), "--postgres needs a postgresql:// URL, e.g. "
                    + "postgresql://postgres@127.0.0.1:5432/postgres; got '" + postgresUrl + "'");
        }
    }
}
