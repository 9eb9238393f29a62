package io.marketbars.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.schema.MigrationSettings;
import io.marketbars.testing.TestServices;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/** {@code migrate} against a real PostgreSQL: what it prints, its exit codes and the schema's recorded zone. */
class MigrateIT {
    private static final int MIGRATIONS = 9;

    /** One run of the command, in-process, with its output. */
    record Run(int exitCode, String out, String err) {}

    private static Run migrate(String dbUrl, String... more) {
        List<String> args = new ArrayList<>(
                List.of("--db-url", dbUrl, "--db-user", TestServices.postgres().user()));
        args.addAll(List.of(more));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Migrate.run(
                args.toArray(String[]::new),
                Map.of(),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String freshDatabase(String prefix) {
        String name = TestServices.unique(prefix);
        TestServices.postgres().createDatabase(name);
        return TestServices.postgres().jdbcUrl(name);
    }

    private static String recordedZone(String dbUrl) throws Exception {
        try (Connection c = DriverManager.getConnection(
                        dbUrl, TestServices.postgres().user(), "");
                ResultSet r = c.createStatement()
                        .executeQuery("SELECT value FROM bars_schema_settings WHERE name = 'exchange_time_zone'")) {
            assertThat(r.next()).isTrue();
            return r.getString(1);
        }
    }

    @Test
    void printsTheVersionAndTheZoneAndASecondRunAppliesNothing() throws Exception {
        String db = freshDatabase("migrate_print");
        Run first = migrate(db, "--exchange-time-zone", "Asia/Ho_Chi_Minh");
        assertThat(first.exitCode()).isZero();
        assertThat(first.out())
                .isEqualTo("Schema at version " + MIGRATIONS + " (" + MIGRATIONS
                        + " migrations applied), exchange time zone Asia/Ho_Chi_Minh" + System.lineSeparator());
        assertThat(first.err()).isEmpty();
        assertThat(recordedZone(db)).isEqualTo("Asia/Ho_Chi_Minh");

        Run second = migrate(db, "--exchange-time-zone", "Asia/Ho_Chi_Minh");
        assertThat(second.exitCode()).isZero();
        assertThat(second.out()).startsWith("Schema at version " + MIGRATIONS + " (0 migrations applied)");
    }

    @Test
    void theDefaultZoneIsUtcLikeTheJobs() throws Exception {
        String db = freshDatabase("migrate_default");
        assertThat(migrate(db).exitCode()).isZero();
        assertThat(recordedZone(db)).isEqualTo("UTC");
    }

    @Test
    void anotherZoneThanTheSchemasIsRefusedOnStderr() {
        String db = freshDatabase("migrate_other");
        assertThat(migrate(db, "--exchange-time-zone", "Asia/Ho_Chi_Minh").exitCode())
                .isZero();
        Run other = migrate(db);
        assertThat(other.exitCode()).isEqualTo(Migrate.EXIT_FAILED);
        assertThat(other.out()).isEmpty();
        assertThat(other.err())
                .startsWith("migrate: failed: Exchange time zone mismatch: --exchange-time-zone is UTC"
                        + " but the schema at " + db + " was migrated with Asia/Ho_Chi_Minh");
    }

    /** A schema migrated up to V8 with Asia/Ho_Chi_Minh, before its zone was recorded: V9 reads the zone back. */
    @Test
    void anOlderSchemaKeepsTheZoneItsRollupsWereBuiltWith() throws Exception {
        String db = freshDatabase("migrate_v8");
        Flyway.configure()
                .configuration(Map.of("flyway.postgresql.transactional.lock", "false"))
                .dataSource(db, TestServices.postgres().user(), "")
                .locations("classpath:db/migration")
                .placeholders(MigrationSettings.defaults()
                        .with(MigrationSettings.Setting.EXCHANGE_TIME_ZONE, "Asia/Ho_Chi_Minh")
                        .placeholders())
                .target("8")
                .load()
                .migrate();
        Run withTheNewDefault = migrate(db);
        assertThat(withTheNewDefault.exitCode()).isEqualTo(Migrate.EXIT_FAILED);
        assertThat(withTheNewDefault.err())
                .contains("exchange time zone UTC: the schema's daily rollups were migrated"
                        + " with Asia/Ho_Chi_Minh; run migrate with --exchange-time-zone Asia/Ho_Chi_Minh");

        Run withItsZone = migrate(db, "--exchange-time-zone", "Asia/Ho_Chi_Minh");
        assertThat(withItsZone.exitCode()).isZero();
        assertThat(withItsZone.out()).startsWith("Schema at version " + MIGRATIONS + " (1 migrations applied)");
        assertThat(recordedZone(db)).isEqualTo("Asia/Ho_Chi_Minh");
    }

    @Test
    void anUnreachableDatabaseIsAnErrorOnStderr() {
        Run run = migrate("jdbc:postgresql://127.0.0.1:1/bars");
        assertThat(run.exitCode()).isEqualTo(Migrate.EXIT_FAILED);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("migrate: failed: ").contains("127.0.0.1:1");
    }

    @Test
    void badOptionsExitWithTwo() {
        Run run = migrate(freshDatabase("migrate_bad"), "--exchange-time-zone", "Mars/Olympus");
        assertThat(run.exitCode()).isEqualTo(Migrate.EXIT_USAGE);
        assertThat(run.err()).startsWith("migrate: --exchange-time-zone");
    }

    /**
     * The real main in a JVM of its own with no logging configuration: the result is on stdout and the exit code
     * is the command's, which is what {@code java -cp "$JAR:$FLINK_HOME/lib/*" io.marketbars.BarsJob migrate} shows.
     */
    @Test
    void theMainPrintsWithoutAnyLoggingSetUp() throws Exception {
        String db = freshDatabase("migrate_main");
        Run ok = main(
                "migrate", "--db-url", db, "--db-user", TestServices.postgres().user());
        assertThat(ok.exitCode()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("Schema at version " + MIGRATIONS + " (" + MIGRATIONS + " migrations applied)");

        Run refused = main(
                "migrate",
                "--db-url",
                db,
                "--db-user",
                TestServices.postgres().user(),
                "--exchange-time-zone",
                "Asia/Ho_Chi_Minh");
        assertThat(refused.exitCode()).isEqualTo(Migrate.EXIT_FAILED);
        assertThat(refused.err()).contains("migrate: failed: Exchange time zone mismatch");
    }

    /** {@code BarsJob} with these arguments in a JVM of its own, without a logging configuration file. */
    static Run main(String... args) throws Exception {
        java.nio.file.Path out = java.nio.file.Files.createTempFile("main", ".out");
        java.nio.file.Path err = java.nio.file.Files.createTempFile("main", ".err");
        try {
            List<String> command = new ArrayList<>(List.of(
                    java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java")
                            .toString(),
                    "-Dlog4j2.configurationFile=none-" + ProcessHandle.current().pid(),
                    "-cp",
                    System.getProperty("java.class.path"),
                    "io.marketbars.BarsJob"));
            command.addAll(List.of(args));
            Process p = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            int code = p.waitFor();
            return new Run(code, java.nio.file.Files.readString(out), java.nio.file.Files.readString(err));
        } finally {
            java.nio.file.Files.deleteIfExists(out);
            java.nio.file.Files.deleteIfExists(err);
        }
    }
}
