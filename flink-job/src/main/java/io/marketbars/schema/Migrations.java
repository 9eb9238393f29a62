package io.marketbars.schema;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
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
        requireSameZone(jdbcUrl, user, password, settings);
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

    /**
     * A schema that records its exchange time zone keeps it: a migrate with another zone would apply later
     * migrations with days that differ from the rollups already built (V9 checks the first time itself).
     */
    private static void requireSameZone(String jdbcUrl, String user, String password, MigrationSettings settings) {
        String requested = settings.get(MigrationSettings.Setting.EXCHANGE_TIME_ZONE);
        String recorded;
        try (Connection c = DriverManager.getConnection(jdbcUrl, user, password)) {
            recorded = SchemaZone.recorded(c);
        } catch (SQLException e) {
            throw new FlywayException("Cannot connect to " + SchemaZone.redact(jdbcUrl) + ": " + e.getMessage(), e);
        }
        if (recorded != null && !recorded.equals(requested)) {
            throw new IllegalStateException(SchemaZone.mismatch(requested, recorded, SchemaZone.redact(jdbcUrl)));
        }
    }
}
