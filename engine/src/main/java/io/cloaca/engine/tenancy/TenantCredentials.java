package io.cloaca.engine.tenancy;

/**
 * What a new tenant logs in with.
 *
 * @param connectionString {@code postgresql://user:password@host:port/db?schema=schema}: the admin URL's
 *                         server and database, the tenant's login, pinned to the tenant's schema
 */
public record TenantCredentials(String username, String password, String schemaName, String connectionString) {

    /** Never prints the password. */
    @Override
    public String toString() {
        return "TenantCredentials(username='" + username + "', password='***', schema_name='" + schemaName
                + "', connection_string='***')";
    }
}
