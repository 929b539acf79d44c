/**
 * The {@code cloaca} command: run, repl, test, executions, schedules, tenants, ui, bench.
 *
 * <p>Internal: no compatibility is promised here, between any two releases. Applications embed cloaca
 * through {@link io.cloaca.api}, the promised surface.
 */
package io.cloaca.cli;
