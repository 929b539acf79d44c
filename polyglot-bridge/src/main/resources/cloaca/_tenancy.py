"""Tenants (PostgreSQL): DatabaseAdmin creates and removes them. Imported on first use."""

import json

import cloaca


class TenantConfig:
    """What ``DatabaseAdmin.create_tenant`` creates: a schema and a login role. A password of None or ""
    is generated (32 random letters and digits)."""

    __slots__ = ("schema_name", "username", "password")

    def __init__(self, schema_name, username, password=None):
        for name, value in (("schema_name", schema_name), ("username", username)):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a str, got '{type(value).__name__}'")
        if password is not None and not isinstance(password, str):
            raise TypeError(f"password must be a str or None, got '{type(password).__name__}'")
        self.schema_name, self.username, self.password = schema_name, username, password

    def __repr__(self):
        return f"TenantConfig(schema_name='{self.schema_name}', username='{self.username}', password='***')"


class TenantCredentials:
    """A new tenant's login. ``connection_string`` reaches the admin URL's server and database as the
    tenant's role, pinned to the tenant's schema: ``DefaultRunner(credentials.connection_string)``."""

    __slots__ = ("username", "password", "schema_name", "connection_string")

    def __init__(self, *_args, **_kwargs):
        raise TypeError("TenantCredentials has no constructor; DatabaseAdmin.create_tenant returns them")

    @classmethod
    def _from(cls, data):
        c = object.__new__(cls)
        c.username, c.password = data["username"], data["password"]
        c.schema_name, c.connection_string = data["schema_name"], data["connection_string"]
        return c

    def __repr__(self):
        return (f"TenantCredentials(username='{self.username}', password='***', schema_name='{self.schema_name}', "
                f"connection_string='***')")


class DatabaseAdmin:
    """Creates and removes tenants on a PostgreSQL database: ``DatabaseAdmin("postgresql://admin@host/db")``.
    The login needs CREATEROLE and CREATE on the database. No connection is made until a call needs one."""

    def __init__(self, database_url):
        if not isinstance(database_url, str):
            raise TypeError(f"database_url must be a str, got '{type(database_url).__name__}'")
        self._handle = cloaca._host.createAdmin(database_url)

    def create_tenant(self, config):
        """Creates the tenant's role and schema (with the engine's tables) and returns its credentials.
        Nothing is left behind if any step fails."""
        if not isinstance(config, TenantConfig):
            raise TypeError(f"create_tenant() takes a TenantConfig, got '{type(config).__name__}'")
        data = self._handle.createTenant(config.schema_name, config.username, config.password or "")
        return TenantCredentials._from(json.loads(data))

    def remove_tenant(self, schema_name, username):
        """Drops the tenant's schema, with everything in it, and its role. Missing ones are skipped."""
        for name, value in (("schema_name", schema_name), ("username", username)):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a str, got '{type(value).__name__}'")
        self._handle.removeTenant(schema_name, username)

    def __repr__(self):
        return "DatabaseAdmin()"
