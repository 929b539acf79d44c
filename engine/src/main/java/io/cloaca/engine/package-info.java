/**
 * The workflow engine in pure Java: its root error type and version.
 *
 * <p>Internal: no compatibility is promised here, between any two releases. Applications embed cloaca
 * through {@link io.cloaca.api}, the promised surface.
 */
package io.cloaca.engine;
