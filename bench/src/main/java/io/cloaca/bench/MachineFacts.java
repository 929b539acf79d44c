package io.cloaca.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** Facts about the machine and the JVM, printed with the results. */
final class MachineFacts {

    private MachineFacts() {
    }

    static void collect(BenchReport report) {
        report.fact("Date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME).replaceAll("\\.\\d+", ""));
        report.fact("Cores", Runtime.getRuntime().availableProcessors() + " (available to the JVM)");
        report.fact("CPU", cpuModel());
        report.fact("OS", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        report.fact("Java", System.getProperty("java.vm.name") + " " + Runtime.version() + " ("
                + System.getProperty("java.vm.vendor") + "), max heap "
                + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MB");
        List<String> jvmArgs = ManagementFactory.getRuntimeMXBean().getInputArguments();
        report.fact("JVM options", jvmArgs.isEmpty() ? "(none)" : String.join(" ", jvmArgs));
    }

    /** The 1, 5 and 15 minute load averages, e.g. "0.52 0.40 0.31", or "unknown". */
    static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse("unknown");
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
