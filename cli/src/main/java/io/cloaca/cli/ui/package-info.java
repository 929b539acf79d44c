/**
 * {@code cloaca ui}: the web view of executions and schedules.
 *
 * <p>Internal: no compatibility is promised here, between any two releases. Applications embed cloaca
 * through {@link io.cloaca.api}, the promised surface.
 */
package io.cloaca.cli.ui;
