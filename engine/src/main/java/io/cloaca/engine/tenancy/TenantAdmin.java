package io.cloaca.engine.tenancy;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.Dialect;
import io.cloaca.engine.store.Migrations;

/**
 * Creates and removes tenants on PostgreSQL: one schema per tenant, owned by one login role that can
 * reach nothing else the engine stores.
 *
 * <p>What a tenant gets: a role with LOGIN and a SCRAM password (computed by the driver, so the
 * plaintext never reaches the server or its logs); a schema owned by that role, holding the engine's
 * tables, also owned by it; {@code search_path} set to that schema for the role. Other tenants' roles
 * have no privilege on it. Catalog metadata (table names, row estimates) stays visible to every role,
 * as PostgreSQL shows it to all.
 *
 * <p>The admin URL's login needs CREATEROLE and CREATE on the database (a superuser has both).
 */
public final class TenantAdmin {

    private final DatabaseUrl.Postgres admin;
    private final TenantStore store;

    /**
     * @throws CloacaException (INVALID_ARGUMENT) unless {@code adminUrl} is a PostgreSQL URL with a database
     */
    public TenantAdmin(String adminUrl) {
        DatabaseUrl url = DatabaseUrl.parse(adminUrl);
        if (!(url instanceof DatabaseUrl.Postgres pg)) {
            throw CloacaException.invalidArgument("DatabaseAdmin requires a PostgreSQL connection. SQLite does not "
                    + "support database schemas or user management. Use a PostgreSQL URL like "
                    + "'postgres://user:pass@host/db'");
        }
        this.admin = pg;
        this.store = new TenantStore(pg);
    }

    /**
     * Creates role {@code username} and schema {@code schema} with the engine's tables. Role and schema
     * are created in one transaction; the tables right after, and if that fails both are dropped again,
     * so a failure leaves nothing behind.
     *
     * @param password the role's password; null or empty generates 32 random alphanumerics
     * @throws CloacaException INVALID_ARGUMENT for invalid names (nothing is created), STORAGE when the
     *     server refuses (e.g. the role or schema already exists: the existing one is left untouched)
     */
    public TenantCredentials createTenant(String schema, String username, String password) {
        Identifiers.schema(schema);
        Identifiers.role(username);
        String secret = password == null || password.isEmpty() ? Passwords.generate() : password;
        store.createRoleAndSchema(schema, username, secret);
        try {
            Migrations.migrate(Dialect.POSTGRESQL, admin.jdbcUrl(), admin.user(), admin.password(), schema);
            store.giveTables(schema, username);
        } catch (RuntimeException e) {
            try {
                store.dropTenant(schema, username);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        return new TenantCredentials(username, secret, schema,
                admin.withCredentials(username, secret, schema).toUrlString());
    }

    /**
     * Drops schema {@code schema} with everything in it, then role {@code username}, in one transaction.
     * Missing ones are skipped, so removing twice is harmless; any other refusal is reported and
     * nothing is dropped.
     *
     * @return which of the two existed, and so were dropped
     */
    public Removed removeTenant(String schema, String username) {
        Identifiers.schema(schema);
        Identifiers.role(username);
        return store.dropTenant(schema, username);
    }

    /** What {@link #removeTenant} found and dropped: the schema, the role, both or neither. */
    public record Removed(boolean schema, boolean role) {
    }
}
