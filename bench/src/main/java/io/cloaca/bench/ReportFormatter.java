package io.cloaca.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Renders a {@link BenchReport} as aligned plain text or as Markdown. */
public final class ReportFormatter {

    private static final String[] HEADER = {"Setup", "Figure", "Measured", "Baseline (same run)", "vs baseline",
            "DESIGN §10 target"};

    private ReportFormatter() {
    }

    public static String text(BenchReport report) {
        StringBuilder out = new StringBuilder("cloaca bench\n\n");
        int width = report.facts().keySet().stream().mapToInt(String::length).max().orElse(0);
        for (Map.Entry<String, String> fact : report.facts().entrySet()) {
            out.append(String.format("  %-" + width + "s  %s%n", fact.getKey(), fact.getValue()));
        }
        out.append('\n');
        if (!report.rows().isEmpty()) {
            textTable(out, cells(report), true);
        }
        for (BenchReport.Table table : report.tables()) {
            out.append('\n').append(table.title()).append("\n\n");
            textTable(out, withHeader(table), false);
        }
        if (!report.notes().isEmpty()) {
            out.append('\n');
            report.notes().forEach(note -> out.append("* ").append(note).append('\n'));
        }
        return out.toString();
    }

    public static String markdown(BenchReport report) {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, String> fact : report.facts().entrySet()) {
            out.append("- **").append(fact.getKey()).append("**: ").append(escape(fact.getValue())).append('\n');
        }
        out.append('\n');
        if (!report.rows().isEmpty()) {
            markdownTable(out, cells(report));
        }
        for (BenchReport.Table table : report.tables()) {
            out.append('\n').append("**").append(escape(table.title())).append("**\n\n");
            markdownTable(out, withHeader(table));
        }
        if (!report.notes().isEmpty()) {
            out.append('\n');
            report.notes().forEach(note -> out.append("- ").append(escape(note)).append('\n'));
        }
        return out.toString();
    }

    /** @param grouped a blank line wherever the first column changes (the setup) */
    private static void textTable(StringBuilder out, List<String[]> lines, boolean grouped) {
        int[] widths = new int[lines.get(0).length];
        for (String[] line : lines) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        String previousSetup = null;
        for (int n = 0; n < lines.size(); n++) {
            String[] line = lines.get(n);
            if (grouped && n > 1 && !line[0].equals(previousSetup)) {
                out.append('\n');
            }
            previousSetup = line[0];
            StringBuilder l = new StringBuilder();
            for (int i = 0; i < line.length; i++) {
                l.append(String.format("%-" + widths[i] + "s", line[i])).append(i + 1 < line.length ? "  " : "");
            }
            out.append(l.toString().stripTrailing()).append('\n');
            if (n == 0) {
                out.append("-".repeat(l.toString().stripTrailing().length())).append('\n');
            }
        }
    }

    private static void markdownTable(StringBuilder out, List<String[]> lines) {
        for (int n = 0; n < lines.size(); n++) {
            out.append("| ");
            for (String cell : lines.get(n)) {
                out.append(escape(cell)).append(" | ");
            }
            out.setLength(out.length() - 1);
            out.append('\n');
            if (n == 0) {
                out.append("|---".repeat(lines.get(0).length)).append("|\n");
            }
        }
    }

    private static List<String[]> withHeader(BenchReport.Table table) {
        List<String[]> lines = new ArrayList<>();
        lines.add(table.header());
        lines.addAll(table.rows());
        return lines;
    }

    private static List<String[]> cells(BenchReport report) {
        List<String[]> lines = new ArrayList<>();
        lines.add(HEADER);
        for (Row row : report.rows()) {
            lines.add(new String[] {row.setup(), row.figure().label(), row.measured(), row.baseline(), row.versus(),
                    row.target()});
        }
        return lines;
    }

    private static String escape(String cell) {
        return cell.replace("|", "\\|");
    }
}
