/**
 * The JSON context tasks pass along, as the engine stores it.
 *
 * <p>Internal: no compatibility is promised here, between any two releases. Applications embed cloaca
 * through {@link io.cloaca.api}, the promised surface.
 */
package io.cloaca.engine.context;
