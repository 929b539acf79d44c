package io.cloaca.engine.store;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RowIdsTest {

    @Test
    void ids_are_version_7_uuids_led_by_the_current_millisecond() {
        long before = System.currentTimeMillis();
        String id = RowIds.next();
        long after = System.currentTimeMillis();
        UUID uuid = UUID.fromString(id);
        assertEquals(id, uuid.toString(), "the canonical 36-character form");
        assertEquals(7, uuid.version());
        assertEquals(2, uuid.variant(), "the RFC 9562 variant");
        long millis = uuid.getMostSignificantBits() >>> 16;
        assertTrue(millis >= before && millis <= after, millis + " not within [" + before + ", " + after + "]");
    }

    @Test
    void ids_of_a_later_millisecond_sort_after_and_ids_do_not_repeat() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            assertTrue(seen.add(RowIds.next()));
        }
        String first = RowIds.next();
        long firstMillis = UUID.fromString(first).getMostSignificantBits() >>> 16;
        String later;
        do {
            later = RowIds.next();
        } while ((UUID.fromString(later).getMostSignificantBits() >>> 16) == firstMillis);
        assertTrue(later.compareTo(first) > 0, later + " should sort after " + first);
    }

    @Test
    void canonical_accepts_the_36_character_form_in_either_case_and_nothing_else() {
        String id = RowIds.next();
        assertEquals(Optional.of(id), RowIds.canonical(id));
        assertEquals(Optional.of(id), RowIds.canonical(id.toUpperCase(java.util.Locale.ROOT)));
        for (String other : new String[] {null, "", "42", "1-2-3-4-5", id + "0", id.substring(1),
                id.replace('-', '_'), id.substring(0, 35) + "g", id.substring(0, 35) + "\0"}) {
            assertEquals(Optional.empty(), RowIds.canonical(other), String.valueOf(other));
        }
    }
}
