package io.cloaca.engine.cron;

import io.cloaca.engine.CloacaException;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.stream.Collectors;

import static io.cloaca.engine.TestSupport.assertCloaca;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CronRuleTest {

    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    /** The firings of {@code rule} in the given local-date window, as local times with their offset. */
    private static List<String> firings(CronRule rule, LocalDate from, LocalDate to) {
        Instant start = from.atStartOfDay(rule.zone()).toInstant().minusNanos(1);
        Instant end = to.atStartOfDay(rule.zone()).toInstant();
        return rule.firings(rule.nextAfter(start), end, 10_000).stream().filter(t -> t.isBefore(end))
                .map(t -> t.atZone(rule.zone()).toOffsetDateTime().toString()).collect(Collectors.toList());
    }

    @Test
    void a_daily_schedule_in_a_spring_forward_gap_fires_once_at_the_end_of_the_gap() {
        CronRule rule = CronRule.parse("30 2 * * *", "Europe/Berlin");
        // 2026-03-29: 02:00 CET jumps to 03:00 CEST, so 02:30 does not exist that day.
        assertEquals(List.of("2026-03-28T02:30+01:00", "2026-03-29T03:30+02:00", "2026-03-30T02:30+02:00"),
                firings(rule, LocalDate.of(2026, 3, 28), LocalDate.of(2026, 3, 31)));
    }

    @Test
    void a_daily_schedule_in_a_fall_back_overlap_fires_once_not_twice() {
        CronRule rule = CronRule.parse("30 2 * * *", "Europe/Berlin");
        // 2026-10-25: 03:00 CEST goes back to 02:00 CET, so 02:30 happens twice; it fires at the first.
        assertEquals(List.of("2026-10-24T02:30+02:00", "2026-10-25T02:30+02:00", "2026-10-26T02:30+01:00"),
                firings(rule, LocalDate.of(2026, 10, 24), LocalDate.of(2026, 10, 27)));
    }

    @Test
    void an_interval_schedule_keeps_its_rhythm_in_real_time_across_both_transitions() {
        CronRule every30 = CronRule.parse("*/30 * * * *", "Europe/Berlin");
        List<String> fall = firings(every30, LocalDate.of(2026, 10, 25), LocalDate.of(2026, 10, 26));
        assertEquals(50, fall.size(), "25 real hours, two per hour: " + fall);
        assertTrue(fall.containsAll(List.of("2026-10-25T02:30+02:00", "2026-10-25T02:30+01:00")), fall::toString);
        List<String> spring = firings(every30, LocalDate.of(2026, 3, 29), LocalDate.of(2026, 3, 30));
        assertEquals(46, spring.size(), "23 real hours: " + spring);
        assertEquals(spring.stream().distinct().count(), spring.size());
    }

    @Test
    void the_next_firing_is_strictly_after_the_given_instant() {
        CronRule rule = CronRule.parse("*/2 * * * * *", "UTC");
        Instant t = Instant.parse("2026-01-01T00:00:02Z");
        assertEquals(Instant.parse("2026-01-01T00:00:04Z"), rule.nextAfter(t));
        assertEquals(Instant.parse("2026-01-01T00:00:02Z"), rule.nextAfter(t.minusMillis(1)));
        assertEquals(Instant.parse("2026-01-01T00:00:04Z"), rule.nextAfter(t.plusMillis(461)), "whole seconds");
        assertEquals(Instant.parse("2026-01-01T00:01:00Z"),
                CronRule.parse("* * * * *", "Europe/Berlin").nextAfter(t.plusMillis(461)));
    }

    @Test
    void five_and_six_field_forms_names_lists_ranges_steps_and_special_characters_parse() {
        Instant from = Instant.parse("2026-03-28T12:00:00Z");
        record Case(String expression, String next) {
        }
        for (Case c : List.of(
                new Case("*/5 * * * *", "2026-03-28T12:05:00Z"),
                new Case("15,45 9-17/2 * * *", "2026-03-28T13:15:00Z"),
                new Case("0 9 * * MON-FRI", "2026-03-30T09:00:00Z"),
                new Case("0 0 1 JAN,JUL *", "2026-07-01T00:00:00Z"),
                new Case("0 0 L * *", "2026-03-31T00:00:00Z"),
                new Case("0 0 15W * *", "2026-04-15T00:00:00Z"),
                new Case("0 0 * * 5#3", "2026-04-17T00:00:00Z"),
                new Case("0 0 * * 5L", "2026-04-24T00:00:00Z"),
                new Case("0 0 1 * 1", "2026-03-30T00:00:00Z"), // day-of-month OR day-of-week, as Vixie cron
                new Case("@daily", "2026-03-29T00:00:00Z"),
                new Case("@hourly", "2026-03-28T13:00:00Z"),
                new Case("@weekly", "2026-03-29T00:00:00Z"),
                new Case("30 */10 * * * *", "2026-03-28T12:00:30Z"),
                new Case("0 12 ? * MON", "2026-03-30T12:00:00Z"), // ? is any day, as croner reads it
                new Case("0 12 1 * ?", "2026-04-01T12:00:00Z"),
                new Case("0 12 ? * ?", "2026-03-29T12:00:00Z"),
                new Case("0 0 12 ? * MON", "2026-03-30T12:00:00Z"))) {
            assertEquals(Instant.parse(c.next()), CronRule.parse(c.expression(), "UTC").nextAfter(from), c.expression());
        }
    }

    @Test
    void bad_expressions_and_zones_name_the_value_and_what_is_accepted() {
        CloacaException range = assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> CronRule.parse("61 * * * *", "UTC"));
        assertTrue(range.getMessage().startsWith("Invalid cron expression or timezone: cron expression '61 * * * *'"),
                range.getMessage());
        assertTrue(range.getMessage().contains("61") && range.getMessage().contains("[0, 59]"), range.getMessage());
        CloacaException fields = assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> CronRule.parse("* * *", "UTC"));
        assertTrue(fields.getMessage().contains("has 3 field(s); expected 5 fields"), fields.getMessage());
        CloacaException zone = assertCloaca(CloacaException.Kind.INVALID_ARGUMENT,
                () -> CronRule.parse("* * * * *", "Mars/Olympus"));
        assertEquals("Invalid cron expression or timezone: unknown time zone 'Mars/Olympus'; expected an IANA name"
                + " such as 'UTC' or 'Europe/Berlin'", zone.getMessage());
        // A step of 0, with the item that has it (cron-utils said "Period 0 not in range [0, 59]").
        for (List<String> zero : List.of(List.of("*/0 * * * *", "*/0"), List.of("0 1-5/00 * * *", "1-5/00"),
                List.of("0 0 1,*/0 * *", "*/0"))) {
            assertEquals("Invalid cron expression or timezone: cron expression '" + zero.get(0) + "': '" + zero.get(1)
                    + "' has a step of 0; a step (/n) must be at least 1",
                    assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> CronRule.parse(zero.get(0), "UTC"))
                            .getMessage());
        }
        // ? stands for a whole day field only; elsewhere cron-utils refuses it as before.
        assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> CronRule.parse("? 12 * * *", "UTC"));
        assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> CronRule.parse("0 12 1? * *", "UTC"));
        assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> CronRule.parse("", "UTC"));
        assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> CronRule.parse("0 0 30 2 *", "UTC"));
        assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> CronRule.parse("* * * * * * *", "UTC"));
    }

    @Test
    void an_unknown_alias_lists_the_aliases_and_every_listed_alias_parses() {
        String accepted = "; accepted: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly";
        for (String alias : List.of("@sometimes", "@reboot", "@DAILY", "@")) {
            assertEquals("Invalid cron expression or timezone: unknown cron alias '" + alias + "'" + accepted,
                    assertCloaca(CloacaException.Kind.INVALID_ARGUMENT, () -> CronRule.parse(alias, "UTC")).getMessage());
        }
        for (String alias : CronRule.ALIASES) {
            assertEquals(alias, CronRule.parse(" " + alias + " ", "UTC").expression());
        }
        // Other malformed expressions keep the field-count message, without cron-utils' "N parts but we expect".
        for (String expression : List.of("@daily 5", "*", "* * * * * * *", "@every 5m")) {
            String message = assertCloaca(CloacaException.Kind.INVALID_ARGUMENT,
                    () -> CronRule.parse(expression, "UTC")).getMessage();
            assertTrue(message.startsWith("Invalid cron expression or timezone: cron expression '" + expression
                    + "' has ") && message.endsWith(" field(s); expected " + CronRule.ACCEPTED), message);
        }
    }

    @Test
    void every_iana_name_java_knows_is_a_zone_and_est_mst_hst_are_iana_fixed_offsets() {
        for (String name : ZoneId.getAvailableZoneIds()) {
            assertEquals(name, CronRule.parse("0 9 * * *", name).timezone());
        }
        Instant winter = Instant.parse("2026-01-10T00:00:00Z");
        Instant summer = Instant.parse("2026-07-10T00:00:00Z");
        record Zone(String name, String winterNine, String summerNine) {
        }
        for (Zone z : List.of(new Zone("EST", "14:00", "14:00"), new Zone("MST", "16:00", "16:00"),
                new Zone("HST", "19:00", "19:00"), new Zone("EST5EDT", "14:00", "13:00"),
                new Zone("PST8PDT", "17:00", "16:00"), new Zone("GMT", "09:00", "09:00"))) {
            CronRule rule = CronRule.parse("0 9 * * *", z.name());
            assertEquals(z.name(), rule.timezone(), "the name reads back as given");
            assertEquals(z.winterNine(), rule.nextAfter(winter).toString().substring(11, 16), z.name());
            assertEquals(z.summerNine(), rule.nextAfter(summer).toString().substring(11, 16), z.name());
        }
        for (String unknown : List.of("PST", "IST", "-05:00", "UTC+1", "est", "Mars/Olympus", "")) {
            assertEquals("Invalid cron expression or timezone: unknown time zone '" + unknown + "'; expected an IANA"
                    + " name such as 'UTC' or 'Europe/Berlin'", assertCloaca(CloacaException.Kind.INVALID_ARGUMENT,
                    () -> CronRule.parse("* * * * *", unknown)).getMessage());
        }
    }

    @Test
    void local_times_are_matched_in_the_schedule_zone() {
        CronRule rule = CronRule.parse("0 9 * * *", "America/New_York");
        Instant next = rule.nextAfter(Instant.parse("2026-06-01T00:00:00Z"));
        assertEquals(LocalDateTime.of(2026, 6, 1, 9, 0), LocalDateTime.ofInstant(next, ZoneId.of("America/New_York")));
        assertEquals(BERLIN, CronRule.parse("@daily", "Europe/Berlin").zone());
    }
}
