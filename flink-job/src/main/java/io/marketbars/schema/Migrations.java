package io.marketbars.schema;

import java.util.Map;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Applies the versioned migrations in {@code sql/} (packaged as {@code db/migration}) with Flyway.
 * The job never creates tables itself: the schema changes only here, reviewed and versioned.
 */
public final class Migrations {
    private Migrations() {}

    /** With the default {@link MigrationSettings}. */
    public static MigrateResult migrate(String jdbcUrl, String user, String password) {
        return migrate(jdbcUrl, user, password, MigrationSettings.defaults());
    }

    /**
     * Placeholders take effect when the migration that reads them first runs: Flyway checksums the
     * script before substitution, so changing a setting later changes nothing already applied.
     */
    public static MigrateResult migrate(String jdbcUrl, String user, String password, MigrationSettings settings) {
        return Flyway.configure()
                // One connection with a session-level advisory lock instead of a second connection
                // for a transactional lock: still exclusive on PostgreSQL, and it also works where
                // only one connection is served at a time (the TimescaleDB test server).
                .configuration(Map.of("flyway.postgresql.transactional.lock", "false"))
                .dataSource(jdbcUrl, user, password)
                .locations("classpath:db/migration")
                .placeholders(settings.placeholders())
                .load()
                .migrate();
    }
}
