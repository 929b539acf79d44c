package io.cloaca.cli;

import io.cloaca.bench.Figure;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs {@code cloaca bench} in its tiny hidden mode and checks that it reports every figure for every
 * SQLite setup, with a number. No timing is asserted: the figures are for people, not for tests.
 */
class BenchCommandTest {

    @Test
    void smoke_run_reports_every_figure_for_both_sqlite_modes() {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out));
        int exit = cli.execute("bench", "--smoke", "--markdown");
        String report = out.toString();
        assertEquals(0, exit, report);

        List<String[]> rows = new ArrayList<>();
        for (String line : report.split("\n")) {
            if (line.startsWith("| ") && !line.startsWith("| Setup ")) {
                String[] cells = line.substring(2, line.length() - 2).split(" \\| ");
                rows.add(cells);
            }
        }
        for (String setup : List.of("SQLite FULL", "SQLite NORMAL")) {
            for (Figure figure : Figure.values()) {
                boolean reported = rows.stream().anyMatch(r -> r.length == 6 && r[0].equals(setup)
                        && r[1].equals(figure.label()) && r[2].matches("^[0-9][0-9,.]* .*"));
                assertTrue(reported, setup + " lacks '" + figure.label() + "' with a number:\n" + report);
            }
        }
        // The CPU-bound Python table: the interpreter always, with a time; the JIT row measured or saying why not.
        assertTrue(report.contains("**Python CPU-bound body, ms per call (lower is better)**"), report);
        assertTrue(report.lines().anyMatch(l -> l.matches("\\| GraalPy interpreted \\| [0-9][0-9,.]* ms \\|.*")), report);
        assertTrue(report.lines().anyMatch(l -> l.startsWith("| GraalPy JIT | ")), report);
        // The parallel table: one interpreter against worker interpreters, first and warm, and the ratios.
        assertTrue(report.lines().anyMatch(l -> l.matches("\\| GraalPy interpreted \\| [0-9][0-9,.]* tasks/s \\| "
                + "[0-9][0-9,.]* tasks/s \\| [0-9][0-9,.]* tasks/s \\| [0-9.]+x / [0-9.]+x \\|")), report);
        // The long-context table: each step with a time beside its baseline's.
        assertTrue(report.lines().anyMatch(l -> l.matches("\\| Context.set .* \\| [0-9.]+ ms \\| json.dumps [0-9.]+ ms \\| .*")),
                report);
        assertTrue(report.lines().anyMatch(l -> l.matches("\\| Context.set .* \\| [0-9.]+ ms \\| walk in Python [0-9.]+ ms \\| .*")),
                report);
        assertTrue(report.lines().anyMatch(l -> l.matches("\\| A task's input read .* \\| [0-9.]+ ms \\| json.loads [0-9.]+ ms \\| .*")),
                report);
        assertTrue(report.lines().anyMatch(l -> l.matches("\\| Context.get's copy .* \\| [0-9.]+ ms \\| recursive copy [0-9.]+ ms \\| .*")),
                report);
        for (String fact : List.of("Cores", "Java", "GraalPy", "SQLite", "Python JIT")) {
            assertTrue(report.contains("- **" + fact + "**: "), "machine fact " + fact + " missing:\n" + report);
        }
    }

    @Test
    void a_postgres_url_that_is_not_postgresql_is_a_usage_error_before_anything_is_measured() {
        for (String url : List.of("sqlite://bench.db", "mysql://root@localhost/db")) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cli = new CommandLine(new Main());
            cli.setOut(new PrintWriter(out));
            cli.setErr(new PrintWriter(err));
            int exit = cli.execute("bench", "--postgres", url);
            assertEquals(2, exit, err.toString());
            assertTrue(err.toString().contains("--postgres"), err.toString());
            assertTrue(err.toString().contains("postgresql://"), err.toString());
            assertEquals("", out.toString(), "nothing measured");
        }
    }
}
