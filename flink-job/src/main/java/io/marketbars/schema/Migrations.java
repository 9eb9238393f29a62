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

    public static MigrateResult migrate(String jdbcUrl, String user, String password) {
        return Flyway.configure()
                // One connection with a session-level advisory lock instead of a second connection
                // for a transactional lock: still exclusive on PostgreSQL, and it also works where
                // only one connection is served at a time (the TimescaleDB test server).
                .configuration(Map.of("flyway.postgresql.transactional.lock", "false"))
                .dataSource(jdbcUrl, user, password)
                .locations("classpath:db/migration")
                .load()
                .migrate();
    }
}
