/**
 * PostgreSQL tenants: schema and role names, tenant creation and removal.
 *
 * <p>Internal: no compatibility is promised here, between any two releases. Applications embed cloaca
 * through {@link io.cloaca.api}, the promised surface.
 */
package io.cloaca.engine.tenancy;
