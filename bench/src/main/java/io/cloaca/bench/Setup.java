package io.cloaca.bench;

/**
 * One database configuration measured: a backend, and for SQLite its {@code synchronous} mode.
 *
 * @param label         shown in the report, e.g. "SQLite FULL"
 * @param sqliteDurable SQLite {@code synchronous=FULL} (true) or {@code NORMAL}; ignored by PostgreSQL
 * @param postgres      whether this is the PostgreSQL backend (DESIGN §10 targets differ)
 */
record Setup(String label, boolean sqliteDurable, boolean postgres) {
}
