package io.cloaca.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.cloaca.engine.CloacaException;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.function.Function;

/**
 * The options of the read-only operator commands ({@code executions}, {@code schedules}, {@code triggers}):
 * which database or tenant schema to read, and whether to print JSON; and the one way they open it and
 * report what went wrong.
 */
class ReadOptions {

    @Option(names = {"-d", "--database"}, paramLabel = "URL",
            description = "Database URL (default: $DATABASE_URL). A PostgreSQL URL may name a schema with ?schema=.")
    String database;

    @Option(names = "--schema", paramLabel = "NAME",
            description = "PostgreSQL schema (tenant) to read (default: the URL's ?schema=, else the login's search_path).")
    String schema;

    @Option(names = "--json", description = "Print one JSON document instead of a table (keys: docs/operators.md).")
    boolean json;

    /** What a command prints from the opened database; returns the exit code. */
    @FunctionalInterface
    interface Reading {
        int print(ReadDatabase db, PrintStream out) throws JsonProcessingException;
    }

    /** What a command prints from a store of the opened database; returns the exit code. */
    @FunctionalInterface
    interface StoreReading<S> {
        int print(S store, PrintStream out) throws JsonProcessingException;
    }

    /**
     * Whether count option {@code option} ({@code --limit N}) is at least 1; if not, says so on stderr in one
     * line, and the command exits 2 without opening the database.
     */
    static boolean atLeastOne(String command, String option, int value) {
        if (value >= 1) {
            return true;
        }
        System.err.println(command + ": " + option + " N must be at least 1, got " + value);
        return false;
    }

    /** As {@link #read(String, Reading)}, with a store made by {@code store} from the opened database. */
    <S> int read(String command, Function<ReadDatabase, S> store, StoreReading<S> reading) {
        return read(command, (db, out) -> reading.print(store.apply(db), out));
    }

    /**
     * Opens the database, checks that it holds cloaca tables this login may read, runs {@code reading} on
     * it and closes it. A refused URL, absent tables or a failed read becomes one line on stderr prefixed
     * with {@code command} ("cloaca schedules list: ..."), and its exit code.
     */
    int read(String command, Reading reading) {
        try (ReadDatabase db = ReadDatabase.open(database, schema)) {
            db.requireTables();
            return reading.print(db, System.out);
        } catch (ReadDatabase.Refused e) {
            System.err.println(command + ": " + e.getMessage());
            return e.exitCode;
        } catch (CloacaException | JsonProcessingException e) {
            System.err.println(command + ": " + ReadDatabase.oneLine(e.getMessage()));
            return 1;
        }
    }
}
