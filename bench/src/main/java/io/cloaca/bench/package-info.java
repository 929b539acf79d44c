/**
 * {@code cloaca bench}: benchmarks of the engine against raw baselines.
 *
 * <p>Internal: no compatibility is promised here, between any two releases. Applications embed cloaca
 * through {@link io.cloaca.api}, the promised surface.
 */
package io.cloaca.bench;
