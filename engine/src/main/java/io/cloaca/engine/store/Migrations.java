package io.cloaca.engine.store;

import io.cloaca.engine.CloacaException;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.configuration.FluentConfiguration;

import javax.sql.DataSource;
import java.util.List;

/**
 * The engine's schema, managed by Flyway: one migration set per dialect, and in PostgreSQL one history
 * table per schema, so each tenant schema is versioned on its own.
 */
public final class Migrations {

    /** Flyway's history table, in the migrated schema. */
    public static final String HISTORY_TABLE = "cloaca_schema_history";

    private Migrations() {
    }

    /** Migrates through an existing pool. */
    public static void migrate(Dialect dialect, DataSource dataSource, String schema) {
        run(configure(dialect, schema).dataSource(dataSource), schema);
    }

    /** Migrates over a connection of its own (so no pooled connection ever has its search_path changed). */
    public static void migrate(Dialect dialect, String jdbcUrl, String user, String password, String schema) {
        run(configure(dialect, schema).dataSource(jdbcUrl, user, password), schema);
    }

    private static FluentConfiguration configure(Dialect dialect, String schema) {
        // The scripts are scanned once per process and there are no Java migrations: without these two
        // providers Flyway scans the classpath for both on every call, its largest cost per tenant schema.
        FluentConfiguration config = Flyway.configure(Migrations.class.getClassLoader())
                .locations(dialect.migrationLocation())
                .resourceProvider(MigrationScripts.of(dialect))
                .javaMigrationClassProvider(List::of)
                .table(HISTORY_TABLE)
                // All pending migrations in one transaction: one commit instead of one per script for a
                // new schema, and an upgrade that fails leaves the schema at its old version.
                .group(true)
                .failOnMissingLocations(true);
        if (schema != null) {
            config.schemas(schema).defaultSchema(schema).createSchemas(true);
        }
        return config;
    }

    private static void run(FluentConfiguration config, String schema) {
        try {
            config.load().migrate();
        } catch (FlywayException e) {
            throw CloacaException.storage("Failed to migrate " + (schema == null ? "the database" : "schema '" + schema + "'")
                    + ": " + Database.rootMessage(e), e);
        }
    }
}
