package io.marketbars.schema;

import io.marketbars.config.JobOptions;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.flink.util.ParameterTool;

/**
 * The Flyway placeholders of the migrations in {@code sql/}: storage policies, the exchange time zone of the daily
 * rollup and the job's role. Each comes from an option ({@code --compress-after 14 days}), else an environment
 * variable ({@code BARS_COMPRESS_AFTER}), else its default. Values are pasted into SQL text, so each is checked
 * against a strict pattern first.
 */
public final class MigrationSettings {
    private static final String INTERVAL = "\\d{1,6} (minute|hour|day|week|month|year)s?";
    private static final Pattern INTERVALS = Pattern.compile(INTERVAL + "( " + INTERVAL + ")*");
    private static final Pattern ROLE = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    /** One placeholder: its Flyway name, option, environment variable and default. */
    public enum Setting {
        EXCHANGE_TIME_ZONE("exchangeTimeZone", JobOptions.DEFAULT_EXCHANGE_TIME_ZONE),
        CHUNK_INTERVAL("chunkInterval", "7 days"),
        LATENESS_HORIZON("latenessHorizon", "3 days"),
        COMPRESS_AFTER("compressAfter", "7 days"),
        RETENTION("retention", "5 years"),
        JOB_ROLE("jobRole", "bars_writer");

        public final String placeholder;
        public final String defaultValue;

        Setting(String placeholder, String defaultValue) {
            this.placeholder = placeholder;
            this.defaultValue = defaultValue;
        }

        /** {@code --compress-after} */
        public String option() {
            return name().toLowerCase().replace('_', '-');
        }

        /** {@code BARS_COMPRESS_AFTER} */
        public String environmentVariable() {
            return "BARS_" + name();
        }
    }

    private final Map<String, String> placeholders;

    private MigrationSettings(Map<String, String> placeholders) {
        this.placeholders = Collections.unmodifiableMap(placeholders);
    }

    public static MigrationSettings defaults() {
        return fromArgs(new String[0], Map.of());
    }

    public static MigrationSettings fromArgs(String[] args, Map<String, String> env) {
        ParameterTool p = ParameterTool.fromArgs(args);
        Map<String, String> values = new LinkedHashMap<>();
        for (Setting s : Setting.values()) {
            String v = p.get(s.option(), env.getOrDefault(s.environmentVariable(), s.defaultValue))
                    .trim();
            validate(s, v);
            values.put(s.placeholder, v);
        }
        return new MigrationSettings(values);
    }

    /** These settings with one changed (tests, embedding programs). */
    public MigrationSettings with(Setting setting, String value) {
        validate(setting, value);
        Map<String, String> values = new LinkedHashMap<>(placeholders);
        values.put(setting.placeholder, value);
        return new MigrationSettings(values);
    }

    public String get(Setting setting) {
        return placeholders.get(setting.placeholder);
    }

    /** Flyway placeholder name to value. */
    public Map<String, String> placeholders() {
        return placeholders;
    }

    private static void validate(Setting s, String v) {
        boolean ok;
        switch (s) {
            case EXCHANGE_TIME_ZONE:
                ok = isRegionZone(v);
                break;
            case JOB_ROLE:
                ok = ROLE.matcher(v).matches();
                break;
            case RETENTION:
                ok = "none".equals(v) || INTERVALS.matcher(v).matches();
                break;
            default:
                ok = INTERVALS.matcher(v).matches();
        }
        if (!ok) {
            throw new IllegalArgumentException(
                    "--" + s.option() + " (" + s.environmentVariable() + "): '" + v + "' is not " + expected(s));
        }
    }

    private static String expected(Setting s) {
        switch (s) {
            case EXCHANGE_TIME_ZONE:
                return "a time zone name such as Asia/Ho_Chi_Minh";
            case JOB_ROLE:
                return "a lower-case SQL identifier";
            case RETENTION:
                return "'none' or an interval such as '5 years'";
            default:
                return "an interval such as '7 days' or '1 day 12 hours'";
        }
    }

    private static boolean isRegionZone(String v) {
        if (!v.matches("[A-Za-z_]+(/[A-Za-z0-9_+-]+)*")) {
            return false;
        }
        try {
            ZoneId.of(v);
            return true;
        } catch (DateTimeException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "MigrationSettings" + placeholders;
    }
}
