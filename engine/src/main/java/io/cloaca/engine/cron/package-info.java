/**
 * Cron schedules: parsing, next-run computation, claiming due instants and starting their executions.
 *
 * <p>Internal: no compatibility is promised here, between any two releases. Applications embed cloaca
 * through {@link io.cloaca.api}, the promised surface.
 */
package io.cloaca.engine.cron;
