package io.cloaca.engine.context;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.cloaca.engine.TestSupport.json;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** DESIGN §8 / reference §2.4: arrays unite, objects merge recursively, scalars: later wins. */
class ContextMergeTest {

    private static ObjectNode merge(String... outputs) {
        return ContextMerge.merge(List.of(outputs).stream().map(o -> json(o)).toList());
    }

    @Test
    void merging_nothing_gives_an_empty_object() {
        assertEquals(json("{}"), ContextMerge.merge(List.of()));
    }

    @Test
    void keys_present_in_only_one_output_are_all_kept() {
        assertEquals(json("{'a': 1, 'b': 2}"), merge("{'a': 1}", "{'b': 2}"));
    }

    @Test
    void arrays_are_united_in_order_with_duplicates_dropped() {
        assertEquals(json("{'order': ['a', 'b', 'c']}"), merge("{'order': ['a', 'b']}", "{'order': ['b', 'c']}"));
    }

    @Test
    void repeated_elements_within_a_later_array_are_added_once() {
        assertEquals(json("{'n': [1, 2, 3]}"), merge("{'n': [1]}", "{'n': [2, 3, 3, 1]}"));
    }

    @Test
    void structurally_equal_objects_inside_arrays_count_as_duplicates() {
        assertEquals(json("{'rows': [{'id': 1}, {'id': 2}]}"),
                merge("{'rows': [{'id': 1}]}", "{'rows': [{'id': 1}, {'id': 2}]}"));
    }

    @Test
    void three_branch_outputs_unite_into_one_list() {
        assertEquals(json("{'collected': ['root', 'x', 'y', 'z']}"), merge(
                "{'collected': ['root', 'x']}", "{'collected': ['root', 'y']}", "{'collected': ['root', 'z']}"));
    }

    @Test
    void objects_are_merged_recursively_with_the_same_rules() {
        assertEquals(json("{'o': {'x': 1, 'y': 2, 'tags': ['p', 'q'], 'deep': {'k': 'new', 'keep': true}}}"),
                merge("{'o': {'x': 1, 'tags': ['p'], 'deep': {'k': 'old', 'keep': true}}}",
                        "{'o': {'y': 2, 'tags': ['q', 'p'], 'deep': {'k': 'new'}}}"));
    }

    @Test
    void for_scalars_the_later_value_wins() {
        assertEquals(json("{'s': 'second', 'n': 2, 'b': false, 'z': null}"),
                merge("{'s': 'first', 'n': 1, 'b': true, 'z': 0}", "{'s': 'second', 'n': 2, 'b': false, 'z': null}"));
    }

    @Test
    void values_of_different_kinds_are_replaced_by_the_later_one() {
        assertEquals(json("{'a': 'text', 'o': [1], 'l': {'k': 1}}"),
                merge("{'a': [1, 2], 'o': {'k': 1}, 'l': [1]}", "{'a': 'text', 'o': [1], 'l': {'k': 1}}"));
    }

    @Test
    void merging_leaves_the_inputs_untouched() {
        ObjectNode first = json("{'l': [1], 'o': {'a': 1}}");
        ObjectNode second = json("{'l': [2], 'o': {'b': 2}}");
        ObjectNode merged = ContextMerge.merge(List.of(first, second));
        merged.withArray("l").add(99);
        assertEquals(json("{'l': [1], 'o': {'a': 1}}"), first);
        assertEquals(json("{'l': [2], 'o': {'b': 2}}"), second);
    }
}
