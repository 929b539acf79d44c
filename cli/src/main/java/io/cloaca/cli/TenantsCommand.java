package io.cloaca.cli;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.store.DatabaseUrl;
import io.cloaca.engine.store.ExecutionHistory;
import io.cloaca.engine.tenancy.Identifiers;
import io.cloaca.engine.tenancy.TenantAdmin;
import io.cloaca.engine.tenancy.TenantCredentials;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code cloaca tenants list|create|remove}: the Python {@code DatabaseAdmin} for operators. A tenant is a
 * PostgreSQL schema holding the engine's tables, owned by a login role that reaches nothing else
 * ({@link TenantAdmin} does the work). Errors are one line on stderr: exit code 2 for bad input (names,
 * URL), 1 when the server refuses or cannot be reached.
 */
@Command(name = "tenants", mixinStandardHelpOptions = true,
        description = {"List, create or remove tenants of a PostgreSQL database: one schema and one login role each.",
                "The database URL's login needs CREATEROLE and CREATE on the database to create or remove."},
        subcommands = {TenantsCommand.List.class, TenantsCommand.Create.class, TenantsCommand.Remove.class})
final class TenantsCommand implements Callable<Integer> {

    private static final String POSTGRES_ONLY = "tenants need PostgreSQL (a schema and a login role each,"
            + " which SQLite lacks)";

    @Override
    public Integer call() {
        System.err.println("cloaca tenants: say list, create SCHEMA USER or remove SCHEMA USER"
                + " (see cloaca tenants --help)");
        return 2;
    }

    /** The option every sub-command shares. */
    static class Admin {
        @Option(names = {"-d", "--database"}, paramLabel = "URL",
                description = "PostgreSQL URL of an administrator's login (default: $DATABASE_URL).")
        String database;
    }

    /** What a sub-command does with the admin database, which has been reached. */
    @FunctionalInterface
    interface Body {
        int run(ReadDatabase db, TenantAdmin admin);
    }

    /**
     * @param schema the tenant's schema and {@code user} its role, checked before the database is opened
     *               (so a bad name is reported as such even when the server is down); null for none
     */
    static int run(String name, Admin options, String schema, String user, Body body) {
        String prefix = "cloaca tenants " + name + ": ";
        try {
            if (schema != null) {
                Identifiers.schema(schema);
                Identifiers.role(user);
            }
            // Opening the database first reports an unreachable server or a refused login in the pool's words.
            try (ReadDatabase db = ReadDatabase.open(options.database, null, POSTGRES_ONLY)) {
                return body.run(db, new TenantAdmin(((DatabaseUrl.Postgres) db.database().url()).toUrlString()));
            }
        } catch (ReadDatabase.Refused e) {
            System.err.println(prefix + ReadDatabase.oneLine(e.getMessage()));
            return e.exitCode;
        } catch (CloacaException e) {
            StringBuilder message = new StringBuilder(ReadDatabase.oneLine(e.getMessage()));
            if (e.kind() != CloacaException.Kind.INVALID_ARGUMENT && name.equals("create")) {
                message.append(e.getSuppressed().length == 0 ? "; nothing was created"
                        : "; cleaning up failed too, so the schema or role may remain: "
                        + ReadDatabase.oneLine(e.getSuppressed()[0].getMessage()));
            }
            System.err.println(prefix + message);
            return e.kind() == CloacaException.Kind.INVALID_ARGUMENT ? 2 : 1;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "The schemas that hold cloaca tables, with the role that owns each.")
    static final class List implements Callable<Integer> {
        @Mixin
        Admin admin = new Admin();

        @Override
        public Integer call() {
            return run("list", admin, null, null, (db, tenants) -> {
                Map<String, String> owners = ExecutionHistory.schemaOwners(db.database());
                System.out.printf("%-32s  %s%n", "SCHEMA", "OWNER");
                owners.forEach((schema, owner) -> System.out.printf("%-32s  %s%n", schema, owner));
                return 0;
            });
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create login role USER and schema SCHEMA, owned by it, with the engine's tables.",
                    "Prints the tenant's connection string (with its password) on stdout, once; it is not "
                            + "stored or logged anywhere. Nothing is left behind when a step fails."})
    static final class Create implements Callable<Integer> {
        @Mixin
        Admin admin = new Admin();

        @Parameters(index = "0", paramLabel = "SCHEMA", description = "Schema name: ASCII letters, digits, _.")
        String schema;

        @Parameters(index = "1", paramLabel = "USER", description = "Role name: ASCII letters, digits, _.")
        String user;

        @Option(names = "--password", paramLabel = "P",
                description = "The role's password (default: 32 random letters and digits, which keeps it "
                        + "out of the shell history and process list).")
        String password;

        @Override
        public Integer call() {
            return run("create", admin, schema, user, (db, tenants) -> {
                TenantCredentials created = tenants.createTenant(schema, user, password);
                System.err.println("cloaca tenants create: created schema " + schema + " owned by role " + user
                        + "; its connection string follows, shown this once");
                System.out.println(created.connectionString());
                return 0;
            });
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = {"Drop schema SCHEMA with all it holds, then role USER with what it owns in this database.",
                    "Either may be missing already; removing twice is harmless (exit code 0)."
                            + " Prints which of the two were removed and which were not there."})
    static final class Remove implements Callable<Integer> {
        @Mixin
        Admin admin = new Admin();

        @Parameters(index = "0", paramLabel = "SCHEMA")
        String schema;

        @Parameters(index = "1", paramLabel = "USER")
        String user;

        /** Names what was dropped and what was already absent: exit 0 either way, removal being idempotent. */
        String removal(TenantAdmin.Removed removed) {
            String s = "schema " + schema;
            String r = "role " + user;
            if (removed.schema() && removed.role()) {
                return "removed " + s + " and " + r;
            }
            if (removed.schema() || removed.role()) {
                return "removed " + (removed.schema() ? s : r) + "; there was no " + (removed.schema() ? r : s);
            }
            return "nothing to remove: no " + s + " and no " + r;
        }

        @Override
        public Integer call() {
            return run("remove", admin, schema, user, (db, tenants) -> {
                System.out.println(removal(tenants.removeTenant(schema, user)));
                return 0;
            });
        }
    }
}
