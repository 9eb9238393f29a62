package io.marketbars.testing;

import io.marketbars.schema.MigrationSettings;
import io.marketbars.schema.Migrations;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real Kafka broker and one real PostgreSQL per test JVM, started on first use. Each test gets
 * its own topics and its own database, so tests never see each other's data.
 */
public final class TestServices {
    private static EmbeddedKafka kafka;
    private static EmbeddedPostgres postgres;
    private static final AtomicInteger NAMES = new AtomicInteger();

    private TestServices() {}

    public static synchronized EmbeddedKafka kafka() {
        if (kafka == null) {
            kafka = EmbeddedKafka.start();
        }
        return kafka;
    }

    public static synchronized EmbeddedPostgres postgres() {
        if (postgres == null) {
            postgres = EmbeddedPostgres.start();
        }
        return postgres;
    }

    /** A unique name for a topic or database, readable in logs. */
    public static String unique(String prefix) {
        return prefix + "_" + ProcessHandle.current().pid() + "_" + NAMES.incrementAndGet();
    }

    /** A new database with every migration applied; returns its JDBC URL. */
    public static String migratedDatabase(String prefix) {
        return migratedDatabase(postgres(), prefix);
    }

    /** The same, on a PostgreSQL of the test's own. */
    public static String migratedDatabase(EmbeddedPostgres postgres, String prefix) {
        return migratedDatabase(postgres, prefix, MigrationSettings.defaults());
    }

    /** A new database migrated with this exchange time zone (the job that uses it must pass the same). */
    public static String migratedDatabase(String prefix, java.time.ZoneId exchangeTimeZone) {
        return migratedDatabase(
                postgres(),
                prefix,
                MigrationSettings.defaults()
                        .with(MigrationSettings.Setting.EXCHANGE_TIME_ZONE, exchangeTimeZone.getId()));
    }

    private static String migratedDatabase(EmbeddedPostgres postgres, String prefix, MigrationSettings settings) {
        String db = unique(prefix);
        postgres.createDatabase(db);
        String url = postgres.jdbcUrl(db);
        Migrations.migrate(url, postgres.user(), "", settings);
        return url;
    }
}
