/**
 * Workflows as validated DAGs of task definitions, their namespaces, trigger rules and registry.
 *
 * <p>Internal: no compatibility is promised here, between any two releases. Applications embed cloaca
 * through {@link io.cloaca.api}, the promised surface.
 */
package io.cloaca.engine.workflow;
