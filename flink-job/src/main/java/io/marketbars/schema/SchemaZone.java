package io.marketbars.schema;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.ZoneId;

/**
 * The exchange time zone the schema was migrated with (recorded by V9 in {@code bars_schema_settings}), and the
 * check that a job or a later migrate uses the same: the daily rollups and the job's trading day must agree on
 * where a day starts.
 */
public final class SchemaZone {
    static final String TABLE = "bars_schema_settings";
    static final String KEY = "exchange_time_zone";

    private SchemaZone() {}

    /**
     * The recorded zone, or null when the schema has no record (not migrated, or migrated before V9).
     *
     * @throws SQLException when the database cannot be reached
     */
    public static String recorded(Connection c) throws SQLException {
        try (PreparedStatement exists = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            exists.setString(1, TABLE);
            try (ResultSet r = exists.executeQuery()) {
                r.next();
                if (!r.getBoolean(1)) {
                    return null;
                }
            }
        }
        try (PreparedStatement q = c.prepareStatement("SELECT value FROM " + TABLE + " WHERE name = ?")) {
            q.setString(1, KEY);
            try (ResultSet r = q.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        }
    }

    /**
     * Refuses a job whose {@code --exchange-time-zone} is not the schema's: an {@link IllegalStateException} that
     * names both zones and the fix.
     */
    public static void requireJobZone(String jdbcUrl, String user, String password, ZoneId jobZone) {
        String schemaZone;
        try (Connection c = DriverManager.getConnection(jdbcUrl, user, password)) {
            schemaZone = recorded(c);
        } catch (SQLException e) {
            String message =
                    "Cannot read the schema's exchange time zone at " + redact(jdbcUrl) + ": " + e.getMessage();
            // SQLSTATE class 08: no connection, which says nothing about the schema (a refused login does).
            throw e.getSQLState() != null && e.getSQLState().startsWith("08")
                    ? new Unreachable(message, e)
                    : new IllegalStateException(message, e);
        }
        if (schemaZone == null) {
            throw new IllegalStateException("The schema at " + redact(jdbcUrl) + " does not record its exchange time"
                    + " zone (migration V9 not applied): run `migrate --exchange-time-zone " + jobZone.getId()
                    + "` before starting the job.");
        }
        if (!schemaZone.equals(jobZone.getId())) {
            throw new IllegalStateException(mismatch(jobZone.getId(), schemaZone, redact(jdbcUrl)));
        }
    }

    /** The database could not be reached: nothing is known about the schema's zone. */
    public static final class Unreachable extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The refusal text, shared by the job and by migrate. */
    static String mismatch(String requested, String schemaZone, String where) {
        return "Exchange time zone mismatch: --exchange-time-zone is " + requested + " but the schema at " + where
                + " was migrated with " + schemaZone + ", so the daily rollups and the job's trading day would start"
                + " at different times. Pass --exchange-time-zone " + schemaZone + " (to the job and to migrate);"
                + " a schema's zone cannot be changed by a later migrate.";
    }

    static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }
}
