package io.cloaca.engine.cron;

import io.cloaca.engine.CloacaException;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** Timestamps as upstream writes them (chrono's {@code to_rfc3339}) and reads them. */
public final class Rfc3339 {

    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss");

    private Rfc3339() {
    }

    /**
     * A UTC timestamp with {@code +00:00} rather than {@code Z}, and a fraction of 3, 6 or 9 digits,
     * left out when zero.
     */
    public static String format(Instant instant) {
        int nanos = instant.getNano();
        String fraction = nanos == 0 ? ""
                : nanos % 1_000_000 == 0 ? String.format(".%03d", nanos / 1_000_000)
                : nanos % 1_000 == 0 ? String.format(".%06d", nanos / 1_000)
                : String.format(".%09d", nanos);
        return SECONDS.format(instant.atOffset(ZoneOffset.UTC)) + fraction + "+00:00";
    }

    /** {@link #format(Instant)} of epoch milliseconds; null stays null. */
    public static String format(Long epochMillis) {
        return epochMillis == null ? null : format(Instant.ofEpochMilli(epochMillis));
    }

    /**
     * Parses an RFC 3339 timestamp that carries an offset ({@code Z} or {@code +hh:mm}).
     *
     * @throws CloacaException INVALID_ARGUMENT "Invalid datetime format: ..." naming the value
     */
    public static Instant parse(String text) {
        try {
            return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException | NullPointerException e) {
            throw CloacaException.invalidArgument("Invalid datetime format: '" + text + "' is not an RFC 3339 "
                    + "timestamp with a time-zone offset; expected e.g. 2026-01-31T09:30:00+00:00");
        }
    }
}
