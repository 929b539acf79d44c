package io.cloaca.engine.execution;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EndedElsewhereChecksTest {

    @Test
    void a_pass_asks_about_every_awaited_execution_once_a_bounded_slice_a_poll() {
        Set<String> awaited = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 450; i++) {
            awaited.add("e" + i);
        }
        EndedElsewhereChecks checks = new EndedElsewhereChecks();
        Set<String> asked = new HashSet<>();
        List<String> first = checks.next(awaited);
        assertEquals(EndedElsewhereChecks.SLICE, first.size());
        asked.addAll(first);

        // One ends here and one is submitted while the pass goes on.
        String endedHere = awaited.stream().filter(id -> !asked.contains(id)).findFirst().orElseThrow();
        awaited.remove(endedHere);
        awaited.add("late");
        List<String> second = checks.next(awaited);
        List<String> third = checks.next(awaited);
        assertEquals(EndedElsewhereChecks.SLICE, second.size());
        assertEquals(450 - 2 * EndedElsewhereChecks.SLICE - 1, third.size());
        asked.addAll(second);
        asked.addAll(third);
        assertEquals(449, asked.size(), "each execution awaited at the pass's start, once");
        assertFalse(asked.contains(endedHere));
        assertFalse(asked.contains("late"));

        // The next pass starts from what is awaited then: the late one included.
        Set<String> nextPass = new HashSet<>();
        for (int poll = 0; poll < 3; poll++) {
            nextPass.addAll(checks.next(awaited));
        }
        assertEquals(awaited, nextPass);
    }

    @Test
    void nothing_awaited_asks_nothing() {
        assertTrue(new EndedElsewhereChecks().next(Set.of()).isEmpty());
    }
}
