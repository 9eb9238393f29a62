package io.marketbars.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Proves the WebAssembly TimescaleDB behaves as the job needs: the extension, our Flyway migrations making
 * {@code ohlcv_1m} a hypertable, exact NUMERIC batched upserts, and the TimescaleDB features we may use later.
 */
class EmbeddedTimescaleIT {

    /** The job's upsert shape, with the guard that keeps a row from going back to fewer trades. */
    private static final String UPSERT = "INSERT INTO ohlcv_1m (symbol, bucket, open, high, low, close, volume,"
            + " turnover, vwap, trade_count, buy_volume, sell_volume, first_trade_at, last_trade_at)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (symbol, bucket) DO UPDATE SET open = EXCLUDED.open, high = EXCLUDED.high,"
            + " low = EXCLUDED.low, close = EXCLUDED.close, volume = EXCLUDED.volume, turnover = EXCLUDED.turnover,"
            + " vwap = EXCLUDED.vwap, trade_count = EXCLUDED.trade_count, buy_volume = EXCLUDED.buy_volume,"
            + " sell_volume = EXCLUDED.sell_volume, first_trade_at = EXCLUDED.first_trade_at,"
            + " last_trade_at = EXCLUDED.last_trade_at WHERE ohlcv_1m.trade_count <= EXCLUDED.trade_count";

    private static final OffsetDateTime T0 = OffsetDateTime.parse("2024-12-02T00:00:00Z");

    private static EmbeddedTimescale db;
    private static MigrateResult firstMigration;
    private static MigrateResult secondMigration;

    @BeforeAll
    static void startAndMigrate() throws SQLException {
        db = EmbeddedTimescale.start();
        try (Connection c = connect()) {
            c.createStatement().execute("CREATE EXTENSION IF NOT EXISTS timescaledb");
        }
        firstMigration = migrate();
        secondMigration = migrate();
    }

    @AfterAll
    static void stop() {
        if (db != null) {
            db.close();
        }
    }

    /** The job's own migration command, as users run it. */
    private static MigrateResult migrate() {
        return io.marketbars.schema.Migrations.migrate(db.jdbcUrl(), db.user(), db.password());
    }

    @Test
    void runsTimescaleDb2OnPostgres17() throws SQLException {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            assertThat(single(s, "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'"))
                    .startsWith("2.");
            assertThat(single(s, "SELECT version()")).startsWith("PostgreSQL 17.");
            assertThat(single(s, "SELECT current_database()")).isEqualTo("template1"); // whatever the URL names
        }
    }

    @Test
    void migrationsMakeOhlcv1mAHypertableAndASecondRunIsANoOp() throws SQLException {
        assertThat(firstMigration.success).isTrue();
        assertThat(firstMigration.migrationsExecuted).isPositive();
        assertThat(secondMigration.success).isTrue();
        assertThat(secondMigration.migrationsExecuted).isZero();
        assertThat(secondMigration.initialSchemaVersion).isEqualTo(firstMigration.targetSchemaVersion);
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            assertThat(single(
                            s,
                            "SELECT count(*) FROM timescaledb_information.hypertables"
                                    + " WHERE hypertable_name = 'ohlcv_1m' AND num_dimensions = 1"))
                    .isEqualTo("1");
            assertThat(single(s, "SELECT count(*) FROM flyway_schema_history WHERE NOT success"))
                    .isEqualTo("0");
        }
    }

    @Test
    void batchedUpsertsRoundTripExactNumericsAndNeverGoBackwards() throws SQLException {
        // 300 rows: pgjdbc rewrites them into 128-row INSERTs, messages large enough to span several TCP reads.
        int rows = 300;
        try (Connection c = connect("&reWriteBatchedInserts=true")) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
                for (int i = 0; i < rows; i++) {
                    bind(ps, "BATCH" + i % 3, T0.plusMinutes(i), price(i), 5);
                    ps.addBatch();
                }
                ps.executeBatch();
                bind(ps, "BATCH0", T0, new BigDecimal("99.000000000000000001"), 6); // more trades: wins
                ps.addBatch();
                bind(ps, "BATCH1", T0.plusMinutes(1), new BigDecimal("1"), 4); // fewer trades: ignored
                ps.addBatch();
                ps.executeBatch();
            }
            c.commit();
        }
        try (Connection c = connect();
                ResultSet rs = c.createStatement()
                        .executeQuery("SELECT symbol, bucket, open, turnover, trade_count FROM ohlcv_1m"
                                + " WHERE symbol LIKE 'BATCH%' ORDER BY bucket")) {
            int i = 0;
            for (; rs.next(); i++) {
                BigDecimal expected = i == 0 ? new BigDecimal("99.000000000000000001") : price(i);
                assertThat(rs.getString("symbol")).isEqualTo("BATCH" + i % 3);
                assertThat(rs.getObject("bucket", OffsetDateTime.class)).isEqualTo(T0.plusMinutes(i));
                assertThat(rs.getBigDecimal("open")).as("row %d", i).isEqualTo(expected); // same value and scale
                assertThat(rs.getBigDecimal("turnover")).isEqualTo(expected.multiply(new BigDecimal("2.50")));
                assertThat(rs.getLong("trade_count")).isEqualTo(i == 0 ? 6 : 5);
            }
            assertThat(i).isEqualTo(rows);
        }
    }

    @Test
    void compressionPoliciesContinuousAggregatesAndCompressedChunksWork() throws SQLException {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
                for (int i = 0; i < 10; i++) {
                    bind(ps, "FEAT", T0.plusDays(3).plusMinutes(i), price(i), 5);
                    ps.executeUpdate();
                }
            }
            s.execute("ALTER TABLE ohlcv_1m SET (timescaledb.compress, timescaledb.compress_segmentby = 'symbol')");
            assertThat(single(
                            s,
                            "SELECT segmentby_column_index FROM timescaledb_information.compression_settings"
                                    + " WHERE hypertable_name = 'ohlcv_1m' AND attname = 'symbol'"))
                    .isEqualTo("1");

            // The migrations add both policies (sql/V3); here we only check they are what they say.
            String compressionJob = single(
                    s,
                    "SELECT job_id FROM timescaledb_information.jobs"
                            + " WHERE proc_name = 'policy_compression' AND hypertable_name = 'ohlcv_1m'");
            String retentionJob = single(
                    s,
                    "SELECT job_id FROM timescaledb_information.jobs"
                            + " WHERE proc_name = 'policy_retention' AND hypertable_name = 'ohlcv_1m'");
            assertThat(single(
                            s,
                            "SELECT string_agg(proc_name, ',' ORDER BY job_id) FROM timescaledb_information.jobs"
                                    + " WHERE hypertable_name = 'ohlcv_1m' AND job_id IN (" + compressionJob + ", "
                                    + retentionJob
                                    + ")"))
                    .isEqualTo("policy_compression,policy_retention");

            s.execute("CREATE MATERIALIZED VIEW feat_5m WITH (timescaledb.continuous) AS"
                    + " SELECT symbol, time_bucket('5 minutes', bucket) AS bucket, first(open, bucket) AS open,"
                    + " max(high) AS high, sum(volume) AS volume FROM ohlcv_1m GROUP BY 1, 2 WITH NO DATA");
            s.execute("CALL refresh_continuous_aggregate('feat_5m', NULL, NULL)");
            assertThat(rows(s, "SELECT open, high, volume FROM feat_5m WHERE symbol = 'FEAT' ORDER BY bucket"))
                    .containsExactly(price(0) + " " + price(4) + " 12.50", price(5) + " " + price(9) + " 12.50");

            assertThat(single(s, "SELECT count(compress_chunk(c)) FROM show_chunks('ohlcv_1m') c"))
                    .isNotEqualTo("0");
            assertThat(single(
                            s,
                            "SELECT bool_and(is_compressed) FROM timescaledb_information.chunks"
                                    + " WHERE hypertable_name = 'ohlcv_1m'"))
                    .isEqualTo("t");
            // No background workers here: a policy runs only when called, and then it works.
            s.execute("SELECT decompress_chunk(c) FROM show_chunks('ohlcv_1m') c");
            s.execute("CALL run_job(" + compressionJob + ")");
            assertThat(single(
                            s,
                            "SELECT bool_and(is_compressed) FROM timescaledb_information.chunks"
                                    + " WHERE hypertable_name = 'ohlcv_1m'"))
                    .isEqualTo("t");

            // Compressed chunks still read exactly and still take the job's upsert.
            try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
                bind(ps, "FEAT", T0.plusDays(3), new BigDecimal("7.0000000001"), 9);
                ps.executeUpdate();
            }
            assertThat(rows(s, "SELECT open, trade_count FROM ohlcv_1m WHERE symbol = 'FEAT' ORDER BY bucket LIMIT 2"))
                    .containsExactly("7.0000000001 9", price(1) + " 5");
        }
    }

    @Test
    void eachConnectionStartsFromAFreshSession() throws SQLException {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            s.execute("SET TIME ZONE 'Asia/Tokyo'");
            s.execute("CREATE TEMP TABLE left_behind (x int)");
            try (PreparedStatement ps = c.prepareStatement("SELECT 1")) {
                for (int i = 0; i < 6; i++) { // past pgjdbc's prepareThreshold: a named server-side statement
                    ps.executeQuery().close();
                }
            }
            s.execute("BEGIN");
            s.execute("INSERT INTO left_behind VALUES (1)"); // the open transaction now has an xid
        } // closed mid-transaction, as a crashed client would
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            assertThat(single(s, "SELECT txid_current_if_assigned() IS NULL")).isEqualTo("t");
            assertThat(single(s, "SELECT current_setting('TimeZone')")).isNotEqualTo("Asia/Tokyo");
            assertThat(single(s, "SELECT to_regclass('left_behind') IS NULL")).isEqualTo("t");
            assertThat(single(s, "SELECT count(*) FROM pg_prepared_statements")).isEqualTo("0");
            assertThat(single(s, "SELECT current_schema()")).isEqualTo("public");
        }
    }

    @Test
    void aSecondConnectionWaitsForTheFirstToClose() throws Exception {
        CompletableFuture<String> second;
        try (Connection first = connect()) {
            second = CompletableFuture.supplyAsync(() -> {
                try (Connection c = connect();
                        Statement s = c.createStatement()) {
                    return single(s, "SELECT 'served'");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(1000);
            assertThat(second).as("queued while the first is open").isNotDone();
            assertThat(single(first.createStatement(), "SELECT 'still mine'")).isEqualTo("still mine");
        }
        assertThat(second.get(5, TimeUnit.SECONDS)).isEqualTo("served");
    }

    private static void bind(PreparedStatement ps, String symbol, OffsetDateTime bucket, BigDecimal price, long trades)
            throws SQLException {
        BigDecimal volume = new BigDecimal("2.50");
        ps.setString(1, symbol);
        ps.setObject(2, bucket);
        for (int p = 3; p <= 6; p++) {
            ps.setBigDecimal(p, price); // open = high = low = close keeps the CHECKs true
        }
        ps.setBigDecimal(7, volume);
        ps.setBigDecimal(8, price.multiply(volume));
        ps.setBigDecimal(9, price);
        ps.setLong(10, trades);
        ps.setBigDecimal(11, new BigDecimal("1.25"));
        ps.setBigDecimal(12, new BigDecimal("1.25"));
        ps.setObject(13, bucket);
        ps.setObject(14, bucket.plusSeconds(59));
    }

    /** Prices with 18 decimals and trailing digits that a double would lose. */
    private static BigDecimal price(int i) {
        return new BigDecimal("12345.678901234567890123").add(BigDecimal.valueOf(i));
    }

    private static Connection connect() throws SQLException {
        return connect("");
    }

    private static Connection connect(String extra) throws SQLException {
        return DriverManager.getConnection(db.jdbcUrl() + extra);
    }

    private static String single(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).as(sql).isTrue();
            return rs.getString(1);
        }
    }

    private static List<String> rows(Statement s, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> values = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    values.add(rs.getString(i));
                }
                rows.add(String.join(" ", values));
            }
        }
        return rows;
    }
}
