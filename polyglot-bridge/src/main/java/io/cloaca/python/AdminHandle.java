package io.cloaca.python;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.tenancy.TenantAdmin;
import io.cloaca.engine.tenancy.TenantCredentials;
import org.graalvm.polyglot.HostAccess;

import java.util.LinkedHashMap;
import java.util.Map;

/** What the Python {@code cloaca.DatabaseAdmin} wraps. Every failure reaches Python as RuntimeError. */
public final class AdminHandle {

    private final TenantAdmin admin;
    private final PythonErrors errors;

    AdminHandle(TenantAdmin admin, PythonErrors errors) {
        this.admin = admin;
        this.errors = errors;
    }

    /** Returns the credentials as JSON. */
    @HostAccess.Export
    public String createTenant(String schema, String username, String password) {
        try {
            TenantCredentials c = admin.createTenant(schema, username, password);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("username", c.username());
            out.put("password", c.password());
            out.put("schema_name", c.schemaName());
            out.put("connection_string", c.connectionString());
            return WorkflowHandle.json(out);
        } catch (CloacaException e) {
            throw errors.raise("RuntimeError", "Failed to create tenant: " + detail(e));
        }
    }

    @HostAccess.Export
    public void removeTenant(String schema, String username) {
        try {
            admin.removeTenant(schema, username);
        } catch (CloacaException e) {
            throw errors.raise("RuntimeError", "Failed to remove tenant: " + detail(e));
        }
    }

    private static String detail(CloacaException e) {
        return e.kind() == CloacaException.Kind.INVALID_ARGUMENT ? "Invalid configuration: " + e.getMessage()
                : e.getMessage();
    }
}
