"""Multi-tenancy with one PostgreSQL schema per tenant.

DefaultRunner.with_schema(url, schema) gives a runner whose executions are stored in PostgreSQL schema
`schema`: the schema is created (with the engine's tables) when missing and reused when present.
Workflows are defined once for the whole process; only the stored data is per tenant. Tenant runners
on the same URL share one connection pool and one set of workers, so a runner per tenant is cheap.

Run it with:
    DATABASE_URL=postgresql://user:password@localhost:5432/mydb ./cloaca run samples/python/06_multi_tenancy.py

The login needs the CREATE privilege on the database. Every schema this sample makes is named
"sample06_<tenant>" and is KEPT when the script ends: a tenant's data is meant to outlive the process
(part 3 relies on that), and running the script again reuses the schemas. Python has no SQL access
here, so drop them yourself when you are done, e.g. in psql:
    DROP SCHEMA sample06_acme, sample06_globex, sample06_initech, sample06_umbrella,
                sample06_recovery CASCADE;

For tenants with their own database login (a role per tenant), see 06_multi_tenancy_admin.py.
"""
import os
import re
import sys
import threading

import cloaca

SCHEMA_PREFIX = "sample06_"

failures = []


def report(ok, line):
    """Prints a result line, ✓ or ✗, and remembers failures for the exit code."""
    print(f"{'✓' if ok else '✗'} {line}")
    if not ok:
        failures.append(line)


def database_url_from_env():
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        print("DATABASE_URL is not set. Schema-per-tenant needs PostgreSQL, e.g.\n"
              "  DATABASE_URL=postgresql://user:password@localhost:5432/mydb "
              "./cloaca run samples/python/06_multi_tenancy.py", file=sys.stderr)
        sys.exit(2)
    if not url.lower().startswith(("postgresql://", "postgres://")):
        print("DATABASE_URL must be a PostgreSQL URL (postgresql://user:password@host:port/database): "
              "tenant schemas do not exist in SQLite.", file=sys.stderr)
        sys.exit(2)
    return url


# --------------------------------------------------------------------------------------------------
# One workflow, shared by every tenant
# --------------------------------------------------------------------------------------------------

@cloaca.task(id="summarise_invoices")
def summarise_invoices(context):
    tenant = context.get("tenant")
    invoices = context.get("invoices", [])
    total = round(sum(invoices), 2)
    noun = "invoice" if len(invoices) == 1 else "invoices"
    context.set("summary", f"{len(invoices)} {noun}, total {total:.2f}")
    context.set("summarised_for", tenant)
    return context


def build_invoice_workflow():
    builder = cloaca.WorkflowBuilder("invoice_summary")
    builder.description("Sum up a tenant's invoices")
    builder.add_task("summarise_invoices")
    return builder.build()


cloaca.register_workflow_constructor("invoice_summary", build_invoice_workflow)


def run_for(runner, tenant, invoices):
    result = runner.execute("invoice_summary", cloaca.Context({"tenant": tenant, "invoices": invoices}))
    final = result.final_context
    ok = result.status == "Completed" and final.get("summarised_for") == tenant
    report(ok, f"{tenant}: {final.get('summary') if ok else result.error_message}")
    return result


# --------------------------------------------------------------------------------------------------
# Part 1: a runner per tenant
# --------------------------------------------------------------------------------------------------

def one_runner_per_tenant(database_url):
    print("== 1. One runner per tenant, one schema each")
    invoices = {
        "acme": [120.0, 80.5, 99.99],
        "globex": [1500.0],
        "initech": [10.0, 20.0],
    }
    runners = {tenant: cloaca.DefaultRunner.with_schema(database_url, SCHEMA_PREFIX + tenant)
               for tenant in invoices}
    try:
        for tenant, runner in runners.items():
            run_for(runner, tenant, invoices[tenant])
    finally:
        for runner in runners.values():
            runner.shutdown()


# --------------------------------------------------------------------------------------------------
# Part 2: a tenant manager that opens runners on first use and keeps them
# --------------------------------------------------------------------------------------------------

class TenantRunners:
    """Hands out one runner per tenant, opened the first time the tenant is seen, then cached.

    Tenant ids become schema names, so they are checked first: lowercase letters, digits and
    underscores, starting with a letter, at most 40 characters. cloaca checks schema names too (and
    raises ValueError), but checking here gives a message in the application's own terms.
    """

    TENANT_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")

    def __init__(self, database_url, schema_prefix=SCHEMA_PREFIX):
        self._database_url = database_url
        self._schema_prefix = schema_prefix
        self._runners = {}
        self._lock = threading.Lock()

    def runner(self, tenant_id):
        if not isinstance(tenant_id, str) or not self.TENANT_ID.fullmatch(tenant_id):
            raise ValueError(f"invalid tenant id {tenant_id!r}: use lowercase letters, digits and _, "
                             f"starting with a letter, at most 40 characters")
        with self._lock:
            runner = self._runners.get(tenant_id)
            if runner is None:
                print(f"  (opening a runner for {tenant_id})")
                runner = cloaca.DefaultRunner.with_schema(self._database_url, self._schema_prefix + tenant_id)
                self._runners[tenant_id] = runner
            return runner

    def tenants(self):
        with self._lock:
            return sorted(self._runners)

    def close(self):
        with self._lock:
            runners, self._runners = list(self._runners.values()), {}
        for runner in runners:
            runner.shutdown()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def tenant_manager(database_url):
    print("\n== 2. A tenant manager that opens runners lazily and caches them")
    with TenantRunners(database_url) as manager:
        requests = [("acme", [5.0]), ("umbrella", [42.0, 58.0]), ("acme", [7.5, 2.5])]
        for tenant, invoices in requests:
            run_for(manager.runner(tenant), tenant, invoices)
        report(manager.runner("acme") is manager.runner("acme"),
               f"runners are cached: one per tenant, open for {manager.tenants()}")

        for bad in ["acme-corp", "", "Acme", "9lives", "x'; DROP SCHEMA public; --"]:
            try:
                manager.runner(bad)
                report(False, f"tenant id {bad!r} was accepted")
            except ValueError as e:
                print(f"  rejected: {e}")
        report(manager.tenants() == ["acme", "umbrella"], "invalid tenant ids opened no runner")

    # cloaca itself refuses schema names that are not plain identifiers, with ValueError too.
    for bad_schema in ["acme-corp", ""]:
        try:
            cloaca.DefaultRunner.with_schema(database_url, bad_schema)
            report(False, f"with_schema accepted {bad_schema!r}")
        except ValueError as e:
            print(f"  with_schema({bad_schema!r}) rejected: {e}")


# --------------------------------------------------------------------------------------------------
# Part 3: a tenant's data outlives its runner
# --------------------------------------------------------------------------------------------------

def recovery(database_url):
    print("\n== 3. Shutting a tenant's runner down and opening another on the same schema")
    schema = SCHEMA_PREFIX + "recovery"
    first = cloaca.DefaultRunner.with_schema(database_url, schema)
    before = run_for(first, "recovery", [1.0, 2.0, 3.0])
    first.shutdown()
    print(f"  first runner shut down after execution {before.execution_id}")

    # A new runner (in a real deployment: after a restart, or in another process) opens the same
    # schema. On start it recovers executions that a dead runner left unfinished, then works as usual.
    second = cloaca.DefaultRunner.with_schema(database_url, schema)
    try:
        after = run_for(second, "recovery", [4.0])
        report(after.status == "Completed" and after.execution_id != before.execution_id,
               f"recovery: a second runner on {schema} carried on where the first one stopped")
    finally:
        second.shutdown()


if __name__ == "__main__":
    url = database_url_from_env()
    one_runner_per_tenant(url)
    tenant_manager(url)
    recovery(url)
    if failures:
        print(f"\n{len(failures)} step(s) failed")
        sys.exit(1)
    print(f"\nDone. The schemas {SCHEMA_PREFIX}* are kept; see the top of this file to drop them.")
