package io.cloaca.bench;

/**
 * One line of the report.
 *
 * @param setup    where it was measured
 * @param figure   what was measured
 * @param value    the headline number (tasks/s, or p50 in ms), for checks
 * @param measured the figure as shown
 * @param baseline what it is compared with, measured in the same run
 * @param versus   the figure relative to its baseline, or "-"
 */
public record Row(String setup, Figure figure, double value, String measured, String baseline, String versus,
                  String target) {
}
