package io.cloaca.engine.workflow;

import io.cloaca.engine.CloacaException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A namespace reads back as written; anything but four {@code ::}-separated parts is refused by name. */
class TaskNamespaceTest {

    @Test
    void a_namespace_reads_back_as_written() {
        TaskNamespace ns = new TaskNamespace("acme", "embedded", "etl", "load");
        assertEquals("acme::embedded::etl::load", ns.toString());
        assertEquals(ns, TaskNamespace.parse(ns.toString()));
    }

    @Test
    void parts_are_split_at_each_separator_from_the_left_as_a_regex_split_would() {
        for (String text : List.of("a::b::c::d", "a::b::c::", "::::::", "a:::b::c::d", "a::b::c:::d", "x::y:z::w::v")) {
            String[] expected = text.split("::", -1);
            TaskNamespace ns = TaskNamespace.parse(text);
            assertEquals(List.of(expected), List.of(ns.tenant(), ns.packageName(), ns.workflow(), ns.task()), text);
        }
    }

    @Test
    void anything_but_four_parts_is_refused_naming_the_text_and_the_expected_form() {
        for (String text : List.of("", "a", "a::b::c", "a::b::c::d::e", "a::b::c::d::")) {
            CloacaException e = assertThrows(CloacaException.class, () -> TaskNamespace.parse(text), text);
            assertTrue(e.getMessage().contains("'" + text + "'") && e.getMessage().contains("tenant::package::workflow::task"),
                    e.getMessage());
        }
    }
}
