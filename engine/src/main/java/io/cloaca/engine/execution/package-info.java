/**
 * Runners: workers, task attempts, timeouts, maintenance (heartbeats, lease sweeps, polls) and shutdown.
 *
 * <p>Internal: no compatibility is promised here, between any two releases. Applications embed cloaca
 * through {@link io.cloaca.api}, the promised surface.
 */
package io.cloaca.engine.execution;
