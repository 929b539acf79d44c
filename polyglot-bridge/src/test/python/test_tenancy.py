"""Multi-tenancy from Python: DefaultRunner.with_schema, DatabaseAdmin, TenantConfig, TenantCredentials.

Needs the PostgreSQL server named by CLOACA_TEST_PG_URL (default
postgresql://postgres@127.0.0.1:5432/postgres), logged in as a role with CREATEROLE and CREATE.

Cleanup: Python here has no SQL access (GraalPy, no psycopg), so
* tenants made with DatabaseAdmin are removed by the fixtures' teardown (remove_tenant);
* schemas made by with_schema cannot be dropped from Python. They are all named
  ``<prefix><random>``, where the prefix comes from CLOACA_TEST_SCHEMA_PREFIX (default "pytest_").
  PythonSuiteTest (the JUnit harness) sets a prefix unique to its run and drops every schema and
  role starting with it after the suite. When you run this file by hand (``./cloaca test ...``),
  drop the leftover ``pytest_%`` schemas yourself.
"""
import inspect
import os
import re
import uuid
from urllib.parse import urlsplit

import pytest

import cloaca

PG_URL = os.environ.get("CLOACA_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PREFIX = os.environ.get("CLOACA_TEST_SCHEMA_PREFIX", "pytest_")


def unique(tag=""):
    return f"{PREFIX}{tag}{uuid.uuid4().hex[:10]}"


@cloaca.task(id="tenancy_stamp")
def tenancy_stamp(context):
    context.set("stamped_for", context.get("tenant"))
    return context


def _stamp_workflow():
    builder = cloaca.WorkflowBuilder("tenancy_stamp_wf")
    builder.add_task("tenancy_stamp")
    return builder.build()


cloaca.register_workflow_constructor("tenancy_stamp_wf", _stamp_workflow)


@pytest.fixture
def admin():
    return cloaca.DatabaseAdmin(PG_URL)


@pytest.fixture
def tenant(admin):
    """A tenant made with DatabaseAdmin (generated password), removed afterwards."""
    made = []

    def make(password=None):
        config = cloaca.TenantConfig(schema_name=unique("s_"), username=unique("u_"), password=password)
        made.append(config)
        return admin.create_tenant(config)

    yield make
    for config in made:
        admin.remove_tenant(config.schema_name, config.username)


# ------------------------------------------------------------------------------------------------
# DefaultRunner.with_schema
# ------------------------------------------------------------------------------------------------

def test_with_schema_signature():
    # Upstream has no config parameter (docs/decisions.md); the first two are upstream's.
    params = list(inspect.signature(cloaca.DefaultRunner.with_schema).parameters)
    assert params == ["database_url", "schema", "config"]
    assert inspect.signature(cloaca.DefaultRunner.with_schema).parameters["config"].default is None


def test_with_schema_empty_name():
    with pytest.raises(ValueError, match="^Schema name cannot be empty"):
        cloaca.DefaultRunner.with_schema(PG_URL, "")


@pytest.mark.parametrize("name", ["a-b", "tenant name", "a.b", "semi;colon", 'quo"te'])
def test_with_schema_invalid_characters(name):
    with pytest.raises(ValueError, match="Schema name must contain only alphanumeric characters and underscores"):
        cloaca.DefaultRunner.with_schema(PG_URL, name)


@pytest.mark.parametrize("url", ["sqlite:///tmp/cloaca_tenancy_test.db", ":memory:", "tenants.db"])
def test_with_schema_rejects_sqlite_clearly(url):
    with pytest.raises(ValueError, match="Schema-based multi-tenancy requires PostgreSQL") as err:
        cloaca.DefaultRunner.with_schema(url, unique())
    assert "postgres://" in str(err.value)  # says what to use instead
    assert not os.path.exists("/tmp/cloaca_tenancy_test.db")


def test_with_schema_unreachable_server():
    schema = unique()
    with pytest.raises(RuntimeError) as err:
        cloaca.DefaultRunner.with_schema("postgresql://postgres@127.0.0.1:1/postgres", schema)
    message = str(err.value)
    assert "Failed to create DefaultRunner with schema" in message
    assert f"Failed to set up schema '{schema}'" in message
    assert "Connection to 127.0.0.1:1 refused" in message  # the reason, not only that it failed


def test_with_schema_arguments_must_be_strings():
    with pytest.raises(TypeError):
        cloaca.DefaultRunner.with_schema(PG_URL, 42)
    with pytest.raises(TypeError):
        cloaca.DefaultRunner.with_schema(None, unique())


def test_with_schema_config_must_be_a_default_runner_config():
    with pytest.raises(TypeError, match="config must be a DefaultRunnerConfig, got 'dict'"):
        cloaca.DefaultRunner.with_schema(PG_URL, unique(), {"max_concurrent_tasks": 2})


def test_with_schema_refuses_a_url_pinning_another_schema():
    pinned, asked = unique("url_"), unique("arg_")
    with pytest.raises(ValueError) as err:
        cloaca.DefaultRunner.with_schema(f"{PG_URL}?schema={pinned}", asked)
    assert str(err.value) == (f"Schema '{asked}' was asked for, but the URL pins schema '{pinned}'; "
                              f"drop ?schema= from the URL or give the same name in both")


def test_repr_names_the_schema_in_use():
    schema_a, schema_b = unique("a_"), unique("b_")
    # Tenant runners on one URL share a pool opened by the first: each still names its own schema.
    runner_a = cloaca.DefaultRunner(f"{PG_URL}?schema={schema_a}")
    runner_b = cloaca.DefaultRunner.with_schema(PG_URL, schema_b)
    same = cloaca.DefaultRunner.with_schema(f"{PG_URL}?schema={schema_a}", schema_a)
    try:
        assert repr(runner_a).endswith(f"?schema={schema_a})")
        assert repr(runner_b).endswith(f"?schema={schema_b})")
        assert repr(same) == repr(runner_a)
    finally:
        for r in (runner_a, runner_b, same):
            r.shutdown()


def test_two_tenants_executions_are_separated():
    schema_a, schema_b = unique("a_"), unique("b_")
    runner_a = cloaca.DefaultRunner.with_schema(PG_URL, schema_a)
    runner_b = cloaca.DefaultRunner.with_schema(PG_URL, schema_b)
    try:
        result_a = runner_a.execute("tenancy_stamp_wf", cloaca.Context({"tenant": "a"}))
        result_b = runner_b.execute("tenancy_stamp_wf", cloaca.Context({"tenant": "b"}))
        assert result_a.status == result_b.status == "Completed"
        assert result_a.final_context.get("stamped_for") == "a"
        assert result_b.final_context.get("stamped_for") == "b"
        assert result_a.execution_id != result_b.execution_id
        # task_results reads the execution's rows through the runner that ran it, from its schema.
        assert [t["status"] for t in result_a.task_results] == ["Completed"]
        assert [t["status"] for t in result_b.task_results] == ["Completed"]
        # Each tenant's runner lists only its own schema's executions and cannot wait for the other's.
        assert [e["execution_id"] for e in runner_a.list_executions()] == [result_a.execution_id]
        assert [e["execution_id"] for e in runner_b.list_executions()] == [result_b.execution_id]
        with pytest.raises(ValueError, match="Execution not found"):
            runner_b.wait_for(result_a.execution_id, timeout_seconds=5)
    finally:
        runner_a.shutdown()
        runner_b.shutdown()


def test_with_schema_reopens_an_existing_schema():
    schema = unique()
    first = cloaca.DefaultRunner.with_schema(PG_URL, schema)
    result = first.execute("tenancy_stamp_wf", cloaca.Context({"tenant": "first"}))
    first.shutdown()
    second = cloaca.DefaultRunner.with_schema(PG_URL, schema)
    try:
        # The earlier execution is still stored in the schema the second runner opened.
        assert second.wait_for(result.execution_id, timeout_seconds=5).status == "Completed"
        assert [e["execution_id"] for e in second.list_executions()] == [result.execution_id]
        again = second.execute("tenancy_stamp_wf", cloaca.Context({"tenant": "second"}))
        assert again.status == "Completed"
        assert again.final_context.get("stamped_for") == "second"
    finally:
        second.shutdown()


# ------------------------------------------------------------------------------------------------
# DatabaseAdmin, TenantConfig, TenantCredentials
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["sqlite:///tmp/admin.db", ":memory:", "admin.db"])
def test_admin_requires_postgres(url):
    with pytest.raises(RuntimeError, match="DatabaseAdmin requires a PostgreSQL connection"):
        cloaca.DatabaseAdmin(url)


@pytest.mark.parametrize("url", ["postgresql://postgres@127.0.0.1:5432", "postgresql://postgres@127.0.0.1:5432/"])
def test_admin_requires_database_name(url):
    with pytest.raises(RuntimeError, match="Database name is required in URL path"):
        cloaca.DatabaseAdmin(url)


def test_admin_repr_and_no_connection_until_used():
    admin = cloaca.DatabaseAdmin("postgresql://postgres@127.0.0.1:1/postgres")  # nothing listens on port 1
    assert repr(admin) == "DatabaseAdmin()"
    with pytest.raises(RuntimeError, match="^Failed to create tenant: "):
        admin.create_tenant(cloaca.TenantConfig(unique(), unique()))


@pytest.mark.parametrize("schema, username, detail", [
    ("", "someone", "Schema name cannot be empty"),
    ("ok_schema", "", "Username cannot be empty"),
    ("a-b", "someone", "Schema name must contain only alphanumeric characters and underscores"),
    ("ok_schema", "bad name", "Username must contain only alphanumeric characters and underscores"),
    ("x; DROP SCHEMA public", "someone", "Schema name must contain only alphanumeric characters"),
    ("ok_schema", "o'brien", "Username must contain only alphanumeric characters"),
    ("public", "someone", "reserved"),
    ("pg_tenant", "someone", "reserved"),
    ("ok_schema", "postgres", "reserved"),
])
def test_create_tenant_invalid_names(admin, schema, username, detail):
    with pytest.raises(RuntimeError) as err:
        admin.create_tenant(cloaca.TenantConfig(schema_name=schema, username=username))
    message = str(err.value)
    assert message.startswith("Failed to create tenant: Invalid configuration: "), message
    assert detail in message


def test_create_tenant_returns_working_credentials(tenant):
    credentials = tenant()
    assert re.fullmatch(r"[A-Za-z0-9]{32}", credentials.password)
    assert credentials.username in credentials.connection_string
    assert credentials.password in credentials.connection_string
    assert credentials.schema_name in credentials.connection_string
    pg = urlsplit(PG_URL)
    assert f"@{pg.hostname}:{pg.port or 5432}{pg.path}" in credentials.connection_string
    with cloaca.DefaultRunner(credentials.connection_string) as runner:
        result = runner.execute("tenancy_stamp_wf", cloaca.Context({"tenant": credentials.username}))
        assert result.status == "Completed"
        assert result.final_context.get("stamped_for") == credentials.username


@pytest.mark.parametrize("password", [None, ""])
def test_missing_password_is_generated(tenant, password):
    first, second = tenant(password), tenant(password)
    for credentials in (first, second):
        assert len(credentials.password) == 32
        assert credentials.password.isalnum() and credentials.password.isascii()
    assert first.password != second.password


def test_given_password_is_used(tenant):
    credentials = tenant("Given-pass'word with \"quotes\"")
    assert credentials.password == "Given-pass'word with \"quotes\""
    with cloaca.DefaultRunner(credentials.connection_string) as runner:
        assert runner.execute("tenancy_stamp_wf", cloaca.Context({"tenant": "x"})).status == "Completed"


def test_tenant_cannot_use_another_tenants_schema(tenant):
    a, b = tenant(), tenant()
    pg = urlsplit(PG_URL)
    crossing = (f"postgresql://{a.username}:{a.password}@{pg.hostname}:{pg.port or 5432}{pg.path}"
                f"?schema={b.schema_name}")
    with pytest.raises(RuntimeError, match="Failed to create DefaultRunner"):
        cloaca.DefaultRunner(crossing)


def test_duplicate_tenant_is_a_runtime_error(admin, tenant):
    credentials = tenant()
    with pytest.raises(RuntimeError, match="^Failed to create tenant: .*already exists"):
        admin.create_tenant(cloaca.TenantConfig(credentials.schema_name, credentials.username))
    # The first tenant is left as it was.
    with cloaca.DefaultRunner(credentials.connection_string) as runner:
        assert runner.execute("tenancy_stamp_wf", cloaca.Context({"tenant": "x"})).status == "Completed"


def test_failed_create_leaves_nothing_behind(admin, tenant):
    existing = tenant()
    new_schema = unique("s_")
    # The role exists already: the whole creation fails, so the new schema is not left behind...
    with pytest.raises(RuntimeError, match="already exists"):
        admin.create_tenant(cloaca.TenantConfig(new_schema, existing.username))
    # ...and can be created afterwards under a fresh role.
    fresh_user = unique("u_")
    try:
        admin.create_tenant(cloaca.TenantConfig(new_schema, fresh_user))
    finally:
        admin.remove_tenant(new_schema, fresh_user)


def test_remove_tenant_twice_is_fine(admin):
    config = cloaca.TenantConfig(unique("s_"), unique("u_"))
    admin.create_tenant(config)
    admin.remove_tenant(config.schema_name, config.username)
    admin.remove_tenant(config.schema_name, config.username)
    # Removed for real: the same names can be created again.
    admin.create_tenant(config)
    admin.remove_tenant(config.schema_name, config.username)


def test_remove_tenant_invalid_names(admin):
    with pytest.raises(RuntimeError, match="^Failed to remove tenant: Invalid configuration: Schema name cannot be empty"):
        admin.remove_tenant("", "someone")
    with pytest.raises(RuntimeError, match="^Failed to remove tenant: Invalid configuration: Username must contain"):
        admin.remove_tenant("ok_schema", "a-b")


def test_tenant_config_repr_masks_password():
    config = cloaca.TenantConfig(schema_name="acme", username="acme_user", password="hunter2")
    assert repr(config) == "TenantConfig(schema_name='acme', username='acme_user', password='***')"
    assert "hunter2" not in repr(config) and "hunter2" not in str(config)
    assert (config.schema_name, config.username, config.password) == ("acme", "acme_user", "hunter2")
    assert cloaca.TenantConfig("s", "u").password is None
    assert cloaca.TenantConfig("s", "u", None).password is None


def test_tenant_config_types():
    with pytest.raises(TypeError):
        cloaca.TenantConfig(None, "u")
    with pytest.raises(TypeError):
        cloaca.TenantConfig("s", "u", 123)


def test_tenant_credentials_repr_masks_secrets(tenant):
    credentials = tenant()
    text = repr(credentials)
    assert text == (f"TenantCredentials(username='{credentials.username}', password='***', "
                    f"schema_name='{credentials.schema_name}', connection_string='***')")
    assert credentials.password not in text and credentials.password not in str(credentials)
    with pytest.raises(TypeError):
        cloaca.TenantCredentials()
