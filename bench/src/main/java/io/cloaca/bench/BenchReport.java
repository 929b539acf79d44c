package io.cloaca.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Everything a run found: machine facts, one row per figure and setup, and notes on method. */
public final class BenchReport {

    private final Map<String, String> facts = new LinkedHashMap<>();
    private final List<Row> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final List<Table> tables = new ArrayList<>();

    /** A table of its own after the per-setup figures, e.g. the CPU-bound Python runtimes. */
    public record Table(String title, String[] header, List<String[]> rows) {
        public Table {
            rows = List.copyOf(rows);
        }
    }

    void fact(String key, String value) {
        facts.put(key, value);
    }

    void add(Row row) {
        rows.add(row);
    }

    void table(Table table) {
        tables.add(table);
    }

    void note(String note) {
        notes.add(note);
    }

    public Map<String, String> facts() {
        return Collections.unmodifiableMap(facts);
    }

    public List<Row> rows() {
        return Collections.unmodifiableList(rows);
    }

    public List<Table> tables() {
        return Collections.unmodifiableList(tables);
    }

    public List<String> notes() {
        return Collections.unmodifiableList(notes);
    }

    /** Setups measured, in order. */
    public List<String> setups() {
        return rows.stream().map(Row::setup).distinct().toList();
    }

    /** Figures missing, or not a positive finite number, for {@code setup}. */
    public Set<Figure> missing(String setup) {
        Set<Figure> missing = EnumSet.allOf(Figure.class);
        for (Row row : rows) {
            if (row.setup().equals(setup) && Double.isFinite(row.value()) && row.value() > 0) {
                missing.remove(row.figure());
            }
        }
        return missing;
    }
}
