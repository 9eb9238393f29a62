package io.marketbars.tools;

import io.marketbars.config.JobOptions;
import io.marketbars.schema.MigrationSettings;
import io.marketbars.schema.Migrations;
import java.io.PrintStream;
import java.util.Map;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * The {@code migrate} command: applies the schema and says so on the terminal. It prints its result to stdout
 * and its errors to stderr itself, because whoever runs it with Flink's {@code lib/} on the class path may have
 * no logging configuration at all, and then a migrate that logged only would print nothing.
 */
public final class Migrate {
    /** The schema is at the newest version. */
    public static final int EXIT_OK = 0;
    /** The database refused, or a migration failed (rolled back). */
    public static final int EXIT_FAILED = 1;
    /** Bad options: nothing was done. */
    public static final int EXIT_USAGE = 2;

    private Migrate() {}

    /** {@code args} are the options after {@code migrate}; settings not given come from {@code env}, then defaults. */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        JobOptions options;
        MigrationSettings settings;
        try {
            // The database options come from JobOptions, the schema settings from MigrationSettings.
            options = JobOptions.fromArgs(
                    args,
                    env,
                    java.util.Arrays.stream(MigrationSettings.Setting.values())
                            .map(MigrationSettings.Setting::option)
                            .collect(java.util.stream.Collectors.toSet()));
            settings = MigrationSettings.fromArgs(args, env);
        } catch (IllegalArgumentException e) {
            err.println("migrate: " + e.getMessage());
            return EXIT_USAGE;
        }
        try {
            MigrateResult result = Migrations.migrate(options.dbUrl, options.dbUser, options.dbPassword(), settings);
            // Flyway leaves the target version empty when nothing was pending.
            String version =
                    result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion;
            out.println("Schema at version " + version + " (" + result.migrationsExecuted
                    + " migrations applied), exchange time zone "
                    + settings.get(MigrationSettings.Setting.EXCHANGE_TIME_ZONE));
            return EXIT_OK;
        } catch (RuntimeException e) {
            err.println("migrate: failed: " + messages(e));
            return EXIT_FAILED;
        }
    }

    /** The message of an exception and of its causes, which for Flyway hold the SQL error. */
    static String messages(Throwable e) {
        StringBuilder s = new StringBuilder(String.valueOf(e.getMessage()).strip());
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (c.getMessage() != null && !s.toString().contains(c.getMessage().strip())) {
                s.append("\n  caused by: ").append(c.getMessage().strip());
            }
        }
        return s.toString();
    }
}
