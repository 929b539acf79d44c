package io.cloaca.cli;

import io.cloaca.python.PythonRuntime;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;
import org.jline.reader.impl.DefaultParser;

import java.util.List;

/**
 * Tab completion at the {@code cloaca repl} prompt: names and attributes from the Python console's
 * namespace ({@code cloaca.}, {@code runner.}, {@code ctx.}), found by Python's own rlcompleter.
 */
final class ReplCompleter implements Completer {

    private final PythonRuntime python;

    ReplCompleter(PythonRuntime python) {
        this.python = python;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        String before = line.line().substring(0, line.cursor());
        for (String completion : python.replComplete(before)) {
            // complete=false: no space after a completion, so "cloaca." can be followed by an attribute.
            candidates.add(new Candidate(completion, completion, null, null, null, null, false));
        }
    }

    /**
     * Splits words where Python names end, so that in {@code print(cloaca.ta} the word being completed
     * is {@code cloaca.ta}, which is what the completions start with.
     */
    static DefaultParser parser() {
        DefaultParser parser = new DefaultParser() {
            @Override
            public boolean isDelimiterChar(CharSequence buffer, int pos) {
                char c = buffer.charAt(pos);
                return !(Character.isLetterOrDigit(c) || c == '_' || c == '.');
            }
        };
        // Python's quotes and backslashes are Python's: the parser must not treat them as its own.
        parser.setQuoteChars(new char[0]);
        parser.setEscapeChars(new char[0]);
        return parser;
    }
}
