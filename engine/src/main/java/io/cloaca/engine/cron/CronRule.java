package io.cloaca.engine.cron;

import com.cronutils.model.Cron;
import com.cronutils.model.definition.CronDefinition;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.field.CronFieldName;
import com.cronutils.model.field.expression.Always;
import com.cronutils.model.field.expression.Every;
import com.cronutils.model.field.expression.FieldExpression;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import io.cloaca.engine.CloacaException;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A validated cron expression in an IANA time zone, and the instants it fires at. Parsing and matching
 * are cron-utils'; this class only adds the forms upstream accepts and the daylight-saving rule.
 *
 * <p>Zones: every name of the IANA tz database that java.time knows ({@link ZoneId#getAvailableZoneIds()}),
 * plus {@code EST}, {@code MST} and {@code HST}, which IANA also lists but java.time keeps only in
 * {@link ZoneId#SHORT_IDS}, mapped to the fixed offsets IANA gives them (-05:00, -07:00, -10:00, no
 * daylight saving). The other short ids there ({@code PST}, {@code IST}, ...) are not IANA names and are
 * refused. The name is kept as given ({@link #timezone()}), so it reads back as it was registered.
 *
 * <p>Forms: 5 fields ({@code min hour day-of-month month day-of-week}), 6 fields (seconds first), or an
 * alias ({@code @yearly @annually @monthly @weekly @daily @midnight @hourly}). Lists, ranges, steps,
 * month and weekday names, {@code L}, {@code W}, {@code LW} and {@code #}, and {@code ?} for "any" as the
 * whole of a day field (as croner reads it); when both day fields are restricted a day matching either
 * fires (as in Vixie cron and croner).
 *
 * <p>Design note, daylight saving: the expression is matched against wall-clock time in the zone.
 * <ul>
 *   <li>A wall time skipped by a spring-forward gap fires at the end of the gap (02:30 in a gap from
 *       02:00 to 03:00 fires at 03:30 new time, once).</li>
 *   <li>A wall time repeated by a fall-back overlap fires once, at its first occurrence, when the
 *       expression names fixed hours ({@code 30 2 * * *}); when the hour field is {@code *} or a step
 *       ({@code *}{@code /15 * * * *}, {@code @hourly}) it fires at both occurrences, so interval schedules
 *       keep their rhythm in real time.</li>
 * </ul>
 */
public final class CronRule {

    /** What the expression field accepts, for error messages. */
    public static final String ACCEPTED = "5 fields (minute hour day-of-month month day-of-week), 6 fields "
            + "(seconds first) or an alias such as @daily";

    /** The aliases {@link #nicknames} gives the parser, in the order an unknown alias's message lists them. */
    public static final List<String> ALIASES = List.of("@yearly", "@annually", "@monthly", "@weekly", "@daily",
            "@midnight", "@hourly");

    private static final CronParser FIVE_FIELDS = new CronParser(nicknames(CronDefinitionBuilder.defineCron()
            .withMinutes().withValidRange(0, 59).withStrictRange().and()
            .withHours().withValidRange(0, 23).withStrictRange().and()
            .withDayOfMonth().withValidRange(1, 31).supportsL().supportsW().supportsLW().withStrictRange().and()
            .withMonth().withValidRange(1, 12).withStrictRange().and()
            .withDayOfWeek().withValidRange(0, 7).withMondayDoWValue(1).withIntMapping(7, 0)
            .supportsHash().supportsL().withStrictRange().and()));
    private static final CronParser SIX_FIELDS = new CronParser(CronDefinitionBuilder.defineCron()
            .withSeconds().withValidRange(0, 59).withStrictRange().and()
            .withMinutes().withValidRange(0, 59).withStrictRange().and()
            .withHours().withValidRange(0, 23).withStrictRange().and()
            .withDayOfMonth().withValidRange(1, 31).supportsL().supportsW().supportsLW().withStrictRange().and()
            .withMonth().withValidRange(1, 12).withStrictRange().and()
            .withDayOfWeek().withValidRange(0, 7).withMondayDoWValue(1).withIntMapping(7, 0)
            .supportsHash().supportsL().withStrictRange().and()
            .instance());
    private static final Set<String> ZONES = ZoneId.getAvailableZoneIds();
    /** IANA names that java.time has only as {@link ZoneId#SHORT_IDS}, which map them to IANA's fixed offsets. */
    private static final Set<String> FIXED_OFFSET_ZONES = Set.of("EST", "MST", "HST");

    private final String expression;
    private final String timezone;
    private final ZoneId zone;
    private final ExecutionTime times;
    private final boolean fixedHours;

    private CronRule(String expression, String timezone, ZoneId zone, Cron cron) {
        this.expression = expression;
        this.timezone = timezone;
        this.zone = zone;
        this.times = ExecutionTime.forCron(cron);
        FieldExpression hours = cron.retrieve(CronFieldName.HOUR).getExpression();
        this.fixedHours = !(hours instanceof Always || hours instanceof Every);
    }

    private static CronDefinition nicknames(CronDefinitionBuilder builder) {
        return builder.withSupportedNicknameYearly().withSupportedNicknameAnnually().withSupportedNicknameMonthly()
                .withSupportedNicknameWeekly().withSupportedNicknameDaily().withSupportedNicknameMidnight()
                .withSupportedNicknameHourly().instance();
    }

    /**
     * Validates {@code expression} and {@code timezone}.
     *
     * @throws CloacaException INVALID_ARGUMENT "Invalid cron expression or timezone: ..." naming the
     *     value and what is accepted
     */
    public static CronRule parse(String expression, String timezone) {
        ZoneId zone = zone(timezone);
        if (expression == null || expression.isBlank()) {
            throw invalid("empty cron expression; expected " + ACCEPTED);
        }
        String trimmed = expression.trim();
        String[] parts = trimmed.split("\\s+");
        int fields = parts.length;
        boolean alias = fields == 1 && trimmed.startsWith("@");
        if (alias && !ALIASES.contains(trimmed)) {
            // cron-utils would count it as one field of five, contradicting the alias the help offers.
            throw invalid("unknown cron alias '" + trimmed + "'; accepted: " + String.join(", ", ALIASES));
        }
        CronParser parser = alias || fields == 5 ? FIVE_FIELDS : fields == 6 ? SIX_FIELDS : null;
        if (parser == null) {
            throw invalid("cron expression '" + expression + "' has " + fields + " field(s); expected " + ACCEPTED);
        }
        for (String part : parts) {
            for (String item : part.split(",")) {
                // cron-utils would say "Period 0 not in range [0, 59]", which contradicts itself.
                if (item.matches(".*/0+")) {
                    throw invalid("cron expression '" + expression + "': '" + item + "' has a step of 0; a step (/n) "
                            + "must be at least 1");
                }
            }
        }
        if (!alias) {
            // croner, upstream's parser, reads ? as * (Quartz's "no specific value", which its users write in
            // one of the two day fields); cron-utils' Unix dialect refuses it.
            for (int day : new int[] {fields - 3, fields - 1}) {
                if (parts[day].equals("?")) {
                    parts[day] = "*";
                }
            }
        }
        Cron cron;
        try {
            cron = parser.parse(String.join(" ", parts)).validate();
        } catch (IllegalArgumentException e) {
            throw invalid("cron expression '" + expression + "': " + e.getMessage().replace("Failed to parse cron expression. ", "")
                    + "; expected " + ACCEPTED);
        }
        CronRule rule = new CronRule(trimmed, timezone, zone, cron);
        if (rule.times.nextExecution(ZonedDateTime.now(ZoneOffset.UTC).withNano(0)).isEmpty()) {
            throw invalid("cron expression '" + expression + "' never fires");
        }
        return rule;
    }

    /** @throws CloacaException INVALID_ARGUMENT unless {@code timezone} is an IANA zone name (see the class comment) */
    public static ZoneId zone(String timezone) {
        if (timezone != null && ZONES.contains(timezone)) {
            return ZoneId.of(timezone);
        }
        if (timezone != null && FIXED_OFFSET_ZONES.contains(timezone)) {
            return ZoneId.of(timezone, ZoneId.SHORT_IDS);
        }
        throw invalid("unknown time zone '" + timezone + "'; expected an IANA name such as 'UTC' or 'Europe/Berlin'");
    }

    private static CloacaException invalid(String detail) {
        return CloacaException.invalidArgument("Invalid cron expression or timezone: " + detail);
    }

    public String expression() {
        return expression;
    }

    /** The zone's name as given, which {@link #zone()}'s id may not be ({@code EST} is {@code -05:00} there). */
    public String timezone() {
        return timezone;
    }

    public ZoneId zone() {
        return zone;
    }

    /** The first instant strictly after {@code after} at which this rule fires, or null if none is left. */
    public Instant nextAfter(Instant after) {
        Instant next = nextByWallClock(after);
        if (fixedHours) {
            return next;
        }
        // An interval schedule also fires in the repeated hour of a fall-back that starts before `next`:
        // those wall times lie behind the wall clock of `after`, so the wall-clock search cannot see them.
        ZoneOffsetTransition t = zone.getRules().nextTransition(after);
        if (t == null || !t.isOverlap() || (next != null && t.getInstant().isAfter(next))) {
            return next;
        }
        Optional<ZonedDateTime> match = times.nextExecution(t.getDateTimeAfter().minusNanos(1).atZone(ZoneOffset.UTC));
        if (match.isPresent() && match.get().toLocalDateTime().isBefore(t.getDateTimeBefore())) {
            Instant repeated = match.get().toLocalDateTime().toInstant(t.getOffsetAfter());
            if (repeated.isAfter(after) && (next == null || repeated.isBefore(next))) {
                return repeated;
            }
        }
        return next;
    }

    private Instant nextByWallClock(Instant after) {
        // cron-utils keeps the fraction of the time it starts from; instants are whole seconds.
        LocalDateTime wall = LocalDateTime.ofInstant(after, zone).truncatedTo(ChronoUnit.SECONDS);
        // Bounded: each round moves the wall time to the next match, or past a gap or overlap.
        for (int round = 0; round < 16; round++) {
            Optional<ZonedDateTime> match = times.nextExecution(wall.atZone(ZoneOffset.UTC));
            if (match.isEmpty()) {
                return null;
            }
            wall = match.get().toLocalDateTime();
            List<ZoneOffset> offsets = zone.getRules().getValidOffsets(wall);
            if (offsets.size() == 1) {
                Instant candidate = wall.toInstant(offsets.get(0));
                if (candidate.isAfter(after)) {
                    return candidate;
                }
                continue;
            }
            ZoneOffsetTransition transition = zone.getRules().getTransition(wall);
            if (offsets.isEmpty()) {
                // Gap: the first wall time matched inside it fires when the gap ends; later ones fold into it.
                Instant shifted = ZonedDateTime.ofLocal(wall, zone, null).toInstant();
                if (shifted.isAfter(after)) {
                    return shifted;
                }
                wall = transition.getDateTimeAfter().minusNanos(1);
                continue;
            }
            for (int i = 0; i < offsets.size() && (i == 0 || !fixedHours); i++) {
                Instant candidate = wall.toInstant(offsets.get(i));
                if (candidate.isAfter(after)) {
                    return candidate;
                }
            }
            if (fixedHours) {
                wall = transition.getDateTimeBefore().minusNanos(1); // overlap already served once: skip its rest
            }
        }
        return null;
    }

    /**
     * The instants from {@code first} (a firing instant, included) up to {@code until} (included), at
     * most {@code limit} of them; {@code first} itself is included whatever {@code until} says.
     */
    public List<Instant> firings(Instant first, Instant until, int limit) {
        List<Instant> out = new ArrayList<>();
        for (Instant t = first; t != null && out.size() < limit && (out.isEmpty() || !t.isAfter(until)); t = nextAfter(t)) {
            out.add(t);
        }
        return out;
    }

    @Override
    public String toString() {
        return expression + " (" + timezone + ")";
    }
}
