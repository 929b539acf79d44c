package io.cloaca.bench;

import java.util.Locale;

/** Number formats of the report. */
final class Format {

    private Format() {
    }

    static String rate(double perSecond, String unit) {
        return String.format(Locale.ROOT, "%,.0f %s/s", perSecond, unit);
    }

    static String range(double low, double high) {
        return String.format(Locale.ROOT, "%,.0f-%,.0f", low, high);
    }

    static String ms(double millis) {
        return String.format(Locale.ROOT, millis < 10 ? "%.2f" : "%.1f", millis);
    }

    static String p50p99(Latencies latencies) {
        return ms(latencies.p50()) + " / " + ms(latencies.p99()) + " ms";
    }

    static String percent(double part, double whole) {
        return String.format(Locale.ROOT, "%.0f%%", 100 * part / whole);
    }

    static String times(double part, double whole) {
        return ratio("%.1fx", part, whole);
    }

    /** As {@link #times}, to hundredths: for a ratio read against a target such as 1.5x, where 1.5x may be 1.54x. */
    static String timesToHundredths(double part, double whole) {
        return ratio("%.2fx", part, whole);
    }

    private static String ratio(String pattern, double part, double whole) {
        double ratio = part / whole;
        return Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, pattern, ratio);
    }

    /** Microseconds, e.g. "880 us"; for NaN, a machine CPU figure that needs Linux's /proc/stat, which says so. */
    static String micros(double micros) {
        return Double.isNaN(micros) ? "unknown (needs Linux's /proc/stat)"
                : String.format(Locale.ROOT, "%,.0f us", micros);
    }
}
