package io.marketbars.schema;

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
                .dataSource(jdbcUrl, user, password)
                .locations("classpath:db/migration")
                .load()
                .migrate();
    }
}
