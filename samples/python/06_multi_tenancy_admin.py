"""Provisioning tenants with their own database login: cloaca.DatabaseAdmin.

create_tenant(TenantConfig(schema_name, username, password)) makes, on the admin URL's database, a
login role and a schema owned by it holding the engine's tables, and returns TenantCredentials whose
connection_string reaches that database as the new role, pinned to its schema. A runner opened with it
can use its own schema and nothing else. remove_tenant(schema_name, username) drops both again.

Run it with a login that may create roles (CREATEROLE) and schemas (CREATE on the database):
    DATABASE_URL=postgresql://admin:secret@localhost:5432/mydb ./cloaca run samples/python/06_multi_tenancy_admin.py

Every name carries a random suffix (so two runs at the same time do not collide), and the script
removes the tenants it made before it ends, so it can be run again and again and leaves nothing behind.
"""
import os
import secrets
import sys

import cloaca

failures = []


def report(ok, line):
    print(f"{'✓' if ok else '✗'} {line}")
    if not ok:
        failures.append(line)


def admin_url_from_env():
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        print("DATABASE_URL is not set. DatabaseAdmin needs PostgreSQL and a login with CREATEROLE, e.g.\n"
              "  DATABASE_URL=postgresql://admin:secret@localhost:5432/mydb "
              "./cloaca run samples/python/06_multi_tenancy_admin.py", file=sys.stderr)
        sys.exit(2)
    if not url.lower().startswith(("postgresql://", "postgres://")):
        print("DATABASE_URL must be a PostgreSQL URL (postgresql://user:password@host:port/database): "
              "SQLite has no roles or schemas.", file=sys.stderr)
        sys.exit(2)
    return url


@cloaca.task(id="greet_customer")
def greet_customer(context):
    context.set("greeting", f"hello from {context.get('customer')}'s own schema")
    return context


def build_greeting_workflow():
    builder = cloaca.WorkflowBuilder("customer_greeting")
    builder.description("Runs inside a tenant's schema, as the tenant's own role")
    builder.add_task("greet_customer")
    return builder.build()


cloaca.register_workflow_constructor("customer_greeting", build_greeting_workflow)


def main():
    admin = cloaca.DatabaseAdmin(admin_url_from_env())
    suffix = secrets.token_hex(3)
    configs = {
        customer: cloaca.TenantConfig(
            schema_name=f"sample06_{customer}_{suffix}",
            username=f"sample06_{customer}_{suffix}_user",
            password=None,  # None or "" means: generate 32 random letters and digits
        )
        for customer in ("acme", "globex")
    }
    created = {}
    try:
        print("== Provisioning")
        for customer, config in configs.items():
            credentials = admin.create_tenant(config)
            created[customer] = credentials
            ok = len(credentials.password) == 32 and credentials.password.isalnum()
            report(ok, f"{customer}: schema {credentials.schema_name}, role {credentials.username}, "
                       f"generated password of {len(credentials.password)} letters and digits")

        print("\n== Running a workflow as each tenant")
        for customer, credentials in created.items():
            with cloaca.DefaultRunner(credentials.connection_string) as runner:
                result = runner.execute("customer_greeting", cloaca.Context({"customer": customer}))
                greeting = result.final_context.get("greeting")
                report(result.status == "Completed", f"{customer}: {greeting if greeting else result.error_message}")

        print("\n== Secrets stay out of logs")
        acme = created["acme"]
        print(f"  repr: {acme!r}")
        print(f"  config: {configs['acme']!r}")
        masked = acme.password not in repr(acme) and acme.password not in str(acme) and "***" in repr(acme)
        report(masked, "TenantCredentials' repr masks the password and connection string")

        print("\n== One tenant cannot open another's schema")
        crossing = acme.connection_string.replace(f"schema={acme.schema_name}",
                                                  f"schema={created['globex'].schema_name}")
        try:
            cloaca.DefaultRunner(crossing).shutdown()
            report(False, "acme's login opened globex's schema")
        except RuntimeError as e:
            report(True, f"acme's login was refused globex's schema: {str(e).splitlines()[0]}")

        print("\n== Creating the same tenant twice")
        try:
            admin.create_tenant(configs["acme"])
            report(False, "creating acme twice succeeded")
        except RuntimeError as e:
            report(str(e).startswith("Failed to create tenant: "), f"creating acme twice was refused: {e}")
    finally:
        print("\n== Removing the tenants")
        for customer, config in configs.items():
            try:
                admin.remove_tenant(config.schema_name, config.username)
                report(True, f"{customer}: removed schema {config.schema_name} and role {config.username}")
            except RuntimeError as e:
                report(False, f"{customer}: {e}")

    if failures:
        print(f"\n{len(failures)} step(s) failed")
        sys.exit(1)


if __name__ == "__main__":
    main()
