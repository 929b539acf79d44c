/**
 * The GraalPy runtime and the Java host object the Python module {@code cloaca} calls.
 *
 * <p>Internal: no compatibility is promised here, between any two releases. Applications embed cloaca
 * through {@link io.cloaca.api}, the promised surface.
 */
package io.cloaca.python;
