package io.marketbars.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketbars.records.Bar;
import io.marketbars.sinks.JobUpserts;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What both database paths must give, run against each: migrations that apply and re-apply as a no-op, rollups
 * equal to a Java oracle (a day crossing UTC midnight but not the exchange's, a late bar after refresh), the query
 * helpers, and the job's role. Subclasses supply the database; everything goes through one connection at a time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class StoragePathContract {
    static final ZoneId EXCHANGE = ZoneId.of("Asia/Ho_Chi_Minh");
    /** The schema's days start at midnight in {@link #EXCHANGE}, like the oracle's. */
    static final MigrationSettings SETTINGS =
            MigrationSettings.defaults().with(MigrationSettings.Setting.EXCHANGE_TIME_ZONE, EXCHANGE.getId());

    static final List<String> SYMBOLS = List.of("RA", "RB", "RC");
    /** 15:30Z to 01:30Z: the exchange's midnight (17:00Z) and UTC midnight, which is 07:00 of one exchange day. */
    static final Instant FROM = Instant.parse("2024-12-02T15:30:00Z");

    static final Instant TO = Instant.parse("2024-12-03T01:30:00Z");
    /** Left out at first, then upserted late: the first minute of a 5-minute bucket of the first exchange day. */
    static final Instant LATE = Instant.parse("2024-12-02T16:00:00Z");

    final List<String> migrationLog = new CopyOnWriteArrayList<>();
    MigrateResult first;
    MigrateResult second;
    final List<Bar> bars = MinuteBars.generate(42, SYMBOLS, FROM, TO, List.of(LATE));
    private Runnable detachLog;

    abstract String url();

    abstract String user();

    abstract String password();

    abstract void startDatabase() throws Exception;

    abstract void stopDatabase();

    /** A connection whose statements run with only the job role's privileges. */
    abstract Connection connectAsJobRole() throws Exception;

    /** The notice each migration prints on this path, as it must appear in Flyway's log. */
    abstract List<String> expectedMigrationNotices();

    @BeforeAll
    void migrate() throws Exception {
        startDatabase();
        detachLog = captureFlywayLog(migrationLog);
        first = Migrations.migrate(url(), user(), password(), SETTINGS);
        second = Migrations.migrate(url(), user(), password(), SETTINGS);
    }

    @AfterAll
    void stop() {
        if (detachLog != null) {
            detachLog.run();
        }
        stopDatabase();
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(url(), user(), password());
    }

    @Test
    @Order(1)
    void migrationsApplyAndASecondRunIsANoOp() throws SQLException {
        assertThat(first.success).isTrue();
        assertThat(first.migrationsExecuted).isGreaterThanOrEqualTo(7);
        assertThat(second.success).isTrue();
        assertThat(second.migrationsExecuted).isZero();
        assertThat(second.initialSchemaVersion).isEqualTo(first.targetSchemaVersion);
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            for (String relation : List.of("ohlcv_5m", "ohlcv_15m", "ohlcv_1h", "ohlcv_1d")) {
                // Same names and columns as ohlcv_1m's bar columns on both paths (not its revision,
                // which says which run wrote a minute and means nothing for a sum): the same queries work.
                assertThat(rows(
                                s,
                                "SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod), ',' ORDER BY attnum)"
                                        + " FROM pg_attribute WHERE attrelid = '" + relation
                                        + "'::regclass AND attnum > 0"))
                        .as(relation)
                        .isEqualTo(rows(
                                s,
                                "SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod),"
                                        + " ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'ohlcv_1m'::regclass AND attnum > 0"
                                        + " AND NOT attisdropped AND attname <> 'revision_epoch'"));
            }
        }
    }

    @Test
    @Order(2)
    void migrationLogSaysWhatThisPathGives() {
        for (String notice : expectedMigrationNotices()) {
            assertThat(migrationLog).as("Flyway's log").anyMatch(line -> line.contains(notice));
        }
    }

    @Test
    @Order(3)
    void rollupsAndQueryHelpersEqualAnOracleAfterTheJobsUpserts() throws Exception {
        JobUpserts.throughFlinkSink(url(), user(), password(), bars);
        refresh();
        assertRollupsEqualOracle(bars);
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            // The exchange day 2024-12-03 starts at 17:00Z on the 2nd and holds both sides of UTC midnight.
            assertThat(rows(s, "SELECT bucket FROM ohlcv_1d WHERE symbol = 'RA' ORDER BY bucket"))
                    .containsExactly("2024-12-01T17:00:00Z", "2024-12-02T17:00:00Z");
            assertThat(rows(s, "SELECT bucket FROM ohlcv_daily('RA', 2024) ORDER BY bucket"))
                    .containsExactly("2024-12-01T17:00:00Z", "2024-12-02T17:00:00Z");
            assertThat(rows(s, "SELECT count(*) FROM ohlcv_daily('RA', 2025)")).containsExactly("0");
            for (String interval : List.of("1m", "5m", "15m", "1h", "1d")) {
                List<String> expected = RollupOracle.rollup(only("RB"), interval, EXCHANGE);
                assertThat(barRows(
                                s,
                                "SELECT * FROM ohlcv_bars('RB', '" + interval + "', '2024-12-01T00:00:00Z',"
                                        + " '2024-12-04T00:00:00Z')"))
                        .as(interval)
                        .isEqualTo(expected);
                // A range that starts and ends inside buckets: only buckets that start in it.
                Instant lo = Instant.parse("2024-12-02T17:07:00Z");
                Instant hi = Instant.parse("2024-12-02T23:59:00Z");
                assertThat(barRows(s, "SELECT * FROM ohlcv_bars('RB', '" + interval + "', '" + lo + "', '" + hi + "')"))
                        .as(interval + " inside")
                        .isEqualTo(expected.stream()
                                .filter(r -> {
                                    Instant b = Instant.parse(r.split(" ")[1]);
                                    return !b.isBefore(lo) && b.isBefore(hi);
                                })
                                .toList());
                assertThat(barRows(s, "SELECT * FROM ohlcv_latest('RB', '" + interval + "', 3)"))
                        .as(interval + " latest")
                        .isEqualTo(expected.subList(expected.size() - Math.min(3, expected.size()), expected.size()));
            }
        }
    }

    @Test
    @Order(4)
    void aLateBarUpdatesTheFiveMinuteAndDailyRowsAfterARefresh() throws Exception {
        Bar late = MinuteBars.bar(new Random(7), "RA", LATE, new BigDecimal("24.10"));
        late.high = new BigDecimal("99.99"); // a new high for the day
        String dailyBefore = dailyRow("RA", "2024-12-01T17:00:00Z");
        JobUpserts.throughFlinkSink(url(), user(), password(), List.of(late));
        // Not refreshed yet: a late bar below the rollups' watermark stays invisible in the daily rollup.
        assertThat(dailyRow("RA", "2024-12-01T17:00:00Z")).isEqualTo(dailyBefore);
        refresh();
        List<Bar> all = new ArrayList<>(bars);
        all.add(late);
        assertRollupsEqualOracle(all);
        assertThat(dailyRow("RA", "2024-12-01T17:00:00Z")).contains(" 99.99 ").isNotEqualTo(dailyBefore);
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            assertThat(rows(s, "SELECT open FROM ohlcv_5m WHERE symbol = 'RA' AND bucket = '" + LATE + "'"))
                    .containsExactly("24.10");
        }
    }

    @Test
    @Order(5)
    void theJobRoleUpsertsButCannotDeleteTruncateOrCreate() throws Exception {
        Bar bar = MinuteBars.bar(new Random(9), "ROLE", Instant.parse("2024-12-05T02:00:00Z"), new BigDecimal("10"));
        try (Connection c = connectAsJobRole()) {
            JobUpserts.onConnection(c, List.of(bar));
            bar.tradeCount++;
            bar.close = bar.open;
            JobUpserts.onConnection(c, List.of(bar)); // the ON CONFLICT DO UPDATE path
            try (Statement s = c.createStatement()) {
                assertThat(rows(s, "SELECT trade_count FROM ohlcv_1m WHERE symbol = 'ROLE'"))
                        .containsExactly(Long.toString(bar.tradeCount));
                for (String forbidden : List.of(
                        "DELETE FROM ohlcv_1m WHERE symbol = 'ROLE'",
                        "TRUNCATE ohlcv_1m",
                        "CREATE TABLE sneaky (x int)",
                        "DROP TABLE basis_1m",
                        "ALTER TABLE ohlcv_1m ADD COLUMN x int",
                        "SELECT * FROM ohlcv_5m")) {
                    assertThatThrownBy(() -> s.execute(forbidden))
                            .as(forbidden)
                            .isInstanceOf(SQLException.class)
                            .satisfies(e ->
                                    assertThat(((SQLException) e).getSQLState()).isIn("42501", "42P01"));
                }
            }
        }
    }

    /** The owner's refresh of every rollup level, over everything. */
    void refresh() throws SQLException {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            s.execute("CALL refresh_ohlcv_rollups(NULL, NULL)");
        }
    }

    private List<Bar> only(String symbol) {
        return bars.stream().filter(b -> b.symbol.equals(symbol)).toList();
    }

    private void assertRollupsEqualOracle(List<Bar> minuteBars) throws SQLException {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            assertThat(barRows(s, "SELECT * FROM ohlcv_1m WHERE symbol LIKE 'R_' ORDER BY symbol, bucket"))
                    .isEqualTo(RollupOracle.rollup(minuteBars, "1m", EXCHANGE));
            for (String interval : List.of("5m", "15m", "1h", "1d")) {
                List<String> expected = RollupOracle.rollup(minuteBars, interval, EXCHANGE);
                assertThat(barRows(
                                s,
                                "SELECT * FROM ohlcv_" + interval + " WHERE symbol LIKE 'R_' ORDER BY symbol, bucket"))
                        .as("ohlcv_" + interval)
                        .hasSize(expected.size())
                        .isEqualTo(expected);
            }
        }
    }

    private String dailyRow(String symbol, String bucket) throws SQLException {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            List<String> rows =
                    barRows(s, "SELECT * FROM ohlcv_1d WHERE symbol = '" + symbol + "' AND bucket = '" + bucket + "'");
            assertThat(rows).hasSize(1);
            return rows.get(0);
        }
    }

    static List<String> barRows(Statement s, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                rows.add(RollupOracle.row(
                        rs.getString("symbol"),
                        instant(rs, "bucket"),
                        rs.getBigDecimal("open"),
                        rs.getBigDecimal("high"),
                        rs.getBigDecimal("low"),
                        rs.getBigDecimal("close"),
                        rs.getBigDecimal("volume"),
                        rs.getBigDecimal("turnover"),
                        rs.getString("vwap"),
                        rs.getLong("trade_count"),
                        rs.getBigDecimal("buy_volume"),
                        rs.getBigDecimal("sell_volume"),
                        instant(rs, "first_trade_at"),
                        instant(rs, "last_trade_at")));
            }
        }
        return rows;
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        return rs.getObject(column, OffsetDateTime.class).toInstant();
    }

    static List<String> rows(Statement s, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> values = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    Object v = rs.getObject(i);
                    values.add(
                            v instanceof java.sql.Timestamp
                                    ? rs.getObject(i, OffsetDateTime.class)
                                            .toInstant()
                                            .toString()
                                    : rs.getString(i));
                }
                rows.add(String.join(" ", values));
            }
        }
        return rows;
    }

    static String single(Statement s, String sql) throws SQLException {
        List<String> rows = rows(s, sql);
        assertThat(rows).as(sql).hasSize(1);
        return rows.get(0);
    }

    static void execute(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.execute();
        }
    }

    /** Flyway logs each notice PostgreSQL sends as "DB: ..." at INFO; collects them while the tests run. */
    private static Runnable captureFlywayLog(List<String> lines) {
        LoggerContext context = (LoggerContext) org.apache.logging.log4j.LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        AbstractAppender appender = new AbstractAppender("flyway-capture", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                lines.add(event.getMessage().getFormattedMessage());
            }
        };
        appender.start();
        LoggerConfig logger = new LoggerConfig("org.flywaydb", Level.INFO, false);
        logger.addAppender(appender, Level.INFO, null);
        config.addLogger("org.flywaydb", logger);
        context.updateLoggers();
        return () -> {
            config.removeLogger("org.flywaydb");
            context.updateLoggers();
            appender.stop();
        };
    }
}
