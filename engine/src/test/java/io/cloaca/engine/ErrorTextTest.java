package io.cloaca.engine;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class ErrorTextTest {

    @Test
    void text_up_to_the_limit_is_kept_whole() {
        assertNull(ErrorText.cap(null));
        String full = "t".repeat(ErrorText.LIMIT);
        assertSame(full, ErrorText.cap(full));
    }

    @Test
    void longer_text_keeps_its_start_and_says_how_much_was_cut() {
        String capped = ErrorText.cap("a".repeat(ErrorText.LIMIT) + "b".repeat(1000));
        assertEquals("a".repeat(ErrorText.LIMIT) + "\n[... cut: 1000 more characters]", capped);
    }

    @Test
    void a_character_made_of_two_chars_is_not_split() {
        String text = "a".repeat(ErrorText.LIMIT - 1) + "\uD83D\uDE00" + "b"; // an emoji astride the limit
        assertEquals("a".repeat(ErrorText.LIMIT - 1) + "\n[... cut: 3 more characters]", ErrorText.cap(text));
    }
}
