package io.marketbars.sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketbars.config.JobOptions;
import io.marketbars.records.Bar;
import io.marketbars.records.BasisBar;
import io.marketbars.records.FlowBar;
import io.marketbars.testing.TestServices;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sink's statement on a real PostgreSQL: one statement per batch whatever its size, each column
 * of the type the table declares, values (nulls, decimal scales, microseconds) stored exactly as the
 * row-by-row statement stores them, and a refusal that carries the server's SQLState and message.
 */
class UpsertStatementIT {
    private static final long BUCKET = 1_733_105_700_000L;

    private String url;
    private Connection c;

    @BeforeEach
    void database() throws SQLException {
        url = UpsertBatches.database();
        c = DriverManager.getConnection(url);
    }

    @AfterEach
    void close() throws SQLException {
        c.close();
    }

    static Bar bar(String symbol, long bucket, long trades) {
        Bar b = new Bar();
        b.symbol = symbol;
        b.bucketStartMillis = bucket;
        b.open = new BigDecimal("24.15");
        b.high = new BigDecimal("24.20");
        b.low = new BigDecimal("24.10");
        b.close = new BigDecimal("24.20");
        b.volume = BigDecimal.valueOf(trades * 100);
        b.turnover = b.volume.multiply(new BigDecimal("24.15"));
        b.vwap = new BigDecimal("24.1500000000");
        b.tradeCount = trades;
        b.buyVolume = BigDecimal.valueOf(trades * 60);
        b.sellVolume = BigDecimal.valueOf(trades * 40);
        b.firstTradeMicros = bucket * 1000 + 1_000_001;
        b.lastTradeMicros = bucket * 1000 + 59_000_999;
        return b;
    }

    /** Counts the statements that insert into ohlcv_1m: a statement-level trigger fires once per statement. */
    private void countStatements() throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE statements (n integer NOT NULL)");
            s.execute("INSERT INTO statements VALUES (0)");
            s.execute("CREATE FUNCTION count_statement() RETURNS trigger LANGUAGE plpgsql AS"
                    + " $$ BEGIN UPDATE statements SET n = n + 1; RETURN NULL; END $$");
            s.execute("CREATE TRIGGER count_statements AFTER INSERT ON ohlcv_1m"
                    + " FOR EACH STATEMENT EXECUTE FUNCTION count_statement()");
        }
    }

    private long query(String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getLong(1);
        }
    }

    @Test
    void aBatchLargerThanTheBindParameterLimitIsOneStatementAndKeepsEachRowsNewestVersion() throws Exception {
        countStatements();
        List<Bar> batch = new ArrayList<>();
        for (int i = 0; i < 40_000; i++) {
            batch.add(bar("S" + (i % 20_000), BUCKET + (i / 20_000) * 60_000L, 1));
        }
        for (int i = 0; i < 1_000; i++) { // later versions of 1,000 of those rows, in the same batch
            batch.add(bar("S" + i, BUCKET, 2 + i % 3));
        }
        SinkMetrics metrics = SinkMetrics.register(new UnregisteredMetricsGroup());
        c.setAutoCommit(false);
        try (PreparedStatement ps = CollapsingConnectionProvider.collapsing(
                c.prepareStatement(BarUpsert.SQL),
                BarUpsert.SQL,
                BarUpsert.KEY_PARAMETERS,
                BarUpsert.UPSERT.columnTypes(),
                metrics)) {
            BarUpsert.Statement binder = new BarUpsert.Statement();
            for (Bar b : batch) {
                binder.statement(ps, b);
                ps.addBatch();
            }
            assertThat(ps.executeBatch()).hasSize(41_000).containsOnly(Statement.SUCCESS_NO_INFO);
        }
        c.commit();
        c.setAutoCommit(true);
        assertThat(query("SELECT n FROM statements")).isEqualTo(1);
        assertThat(metrics.batches()).isEqualTo(1);
        assertThat(metrics.rowsWritten()).isEqualTo(40_000);
        assertThat(query("SELECT count(*) FROM ohlcv_1m")).isEqualTo(40_000);
        assertThat(query("SELECT sum(trade_count) FROM ohlcv_1m")).isEqualTo(39_000 + 2 * 334 + 3 * 333 + 4 * 333);
    }

    @Test
    void theJobsSinkSendsOneStatementPerBatchOfTheDefaultSize() throws Exception {
        countStatements();
        JobOptions options = JobOptions.fromArgs(
                new String[] {
                    "--db-url", url, "--db-user", TestServices.postgres().user()
                },
                Map.of());
        List<Bar> bars = new ArrayList<>();
        for (int i = 0; i < 5 * options.sinkBatchSize; i++) {
            bars.add(bar("S" + i, BUCKET, 1));
        }
        JobUpserts.write(options, bars);
        assertThat(query("SELECT count(*) FROM ohlcv_1m")).isEqualTo(bars.size());
        // Five full batches; a flush by time may split one more. Row by row (or pgjdbc's multi-row
        // rewrite of at most 128 rows) it would be thousands (or dozens) of statements.
        assertThat(query("SELECT n FROM statements")).isBetween(5L, 8L);
    }

    @Test
    void everyColumnIsDeclaredWithTheTypeTheTableHas() throws Exception {
        for (Upsert<?> upsert : List.of(BarUpsert.UPSERT, BasisUpsert.UPSERT, FlowUpsert.UPSERT)) {
            List<String> names = upsert.columnNames();
            assertThat(names).hasSameSizeAs(upsert.columnTypes());
            for (int i = 0; i < names.size(); i++) {
                try (PreparedStatement ps = c.prepareStatement("SELECT format_type(atttypid, NULL),"
                        + " format_type(?::regtype, NULL) FROM pg_attribute WHERE attrelid = ?::regclass"
                        + " AND attname = ?")) {
                    ps.setString(1, upsert.columnTypes().get(i).sql);
                    ps.setString(2, upsert.table());
                    ps.setString(3, names.get(i));
                    try (ResultSet rs = ps.executeQuery()) {
                        assertThat(rs.next())
                                .as(upsert.table() + "." + names.get(i))
                                .isTrue();
                        assertThat(rs.getString(2))
                                .as(upsert.table() + "." + names.get(i))
                                .isEqualTo(rs.getString(1));
                    }
                }
            }
            assertThat(query("SELECT count(*) FROM pg_attribute WHERE attrelid = '" + upsert.table()
                            + "'::regclass AND attnum > 0 AND NOT attisdropped"))
                    .as("the upsert writes every column of " + upsert.table())
                    .isEqualTo(names.size());
        }
    }

    /** The row written through the arrays, as text, equals the same row written with scalar parameters. */
    private <T> String sameAsRowByRow(Upsert<T> upsert, T row) throws SQLException {
        Upsert.Statement<T> binder = upsert.statement(0);
        try (PreparedStatement ps = c.prepareStatement(upsert.rowByRowSql())) {
            binder.statement(ps, row);
            ps.executeUpdate();
        }
        String select = "SELECT t::text FROM " + upsert.table() + " t";
        String rowByRow = stored(select);
        try (Statement s = c.createStatement()) {
            s.execute("DELETE FROM " + upsert.table());
        }
        UpsertBatches.write(c, binder, upsert, row);
        c.setAutoCommit(true);
        String arrays = stored(select);
        assertThat(arrays).isEqualTo(rowByRow);
        return arrays;
    }

    private String stored(String select) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(select)) {
            assertThat(rs.next()).isTrue();
            String row = rs.getString(1);
            assertThat(rs.next()).isFalse();
            return row;
        }
    }

    @Test
    void decimalsKeepTheirScaleNullsStayNullAndInstantsTheirMicroseconds() throws Exception {
        Bar b = bar("ACB", BUCKET, 7);
        b.open = new BigDecimal("10.100");
        b.high = new BigDecimal("123456789012345678901234567890.1234567890123");
        b.low = new BigDecimal("1E-7");
        b.close = new BigDecimal("1.0E+3");
        b.volume = new BigDecimal("5.000");
        b.turnover = new BigDecimal("-0.00");
        b.vwap = null;
        b.buyVolume = BigDecimal.ZERO;
        b.sellVolume = new BigDecimal("5");
        b.firstTradeMicros = BUCKET * 1000 + 1;
        b.lastTradeMicros = BUCKET * 1000 + 59_999_999;
        assertThat(sameAsRowByRow(BarUpsert.UPSERT, b))
                .isEqualTo("(ACB,\"2024-12-02 02:15:00+00\",10.100,123456789012345678901234567890.1234567890123,"
                        + "0.0000001,1000,5.000,0.00,,7,0,5,\"2024-12-02 02:15:00.000001+00\","
                        + "\"2024-12-02 02:15:59.999999+00\",0)");
    }

    @Test
    void basisRowsWithoutAJoinedTradeKeepTheirNulls() throws Exception {
        BasisBar b = new BasisBar();
        b.contract = "VN30F2412";
        b.bucketStartMillis = BUCKET;
        b.underlying = "VN30";
        b.futuresClose = new BigDecimal("1306.80");
        b.unjoinedCount = 3;
        b.firstTradeMicros = BUCKET * 1000 + 2_000_000;
        b.lastTradeMicros = BUCKET * 1000 + 3_000_000;
        b.indexRevision = 0;
        assertThat(sameAsRowByRow(BasisUpsert.UPSERT, b))
                .isEqualTo("(VN30F2412,\"2024-12-02 02:15:00+00\",VN30,,,,,1306.80,,,,0,3,"
                        + "\"2024-12-02 02:15:02+00\",\"2024-12-02 02:15:03+00\",0,0)");
    }

    @Test
    void flowRowsKeepTheirDayIntegersAndNulls() throws Exception {
        FlowBar b = new FlowBar();
        b.symbol = "HDB";
        b.bucketStartMillis = BUCKET;
        b.tradingDay = (int) (BUCKET / 86_400_000L);
        b.buyQty = new BigDecimal("17600");
        b.sellQty = new BigDecimal("4800");
        b.netQty = new BigDecimal("12800");
        b.dayBuyQty = b.buyQty;
        b.daySellQty = b.sellQty;
        b.netQtyPerMin = new BigDecimal("77861.579414");
        b.ratedSpanMillis = 9_876_543_210L;
        b.snapshotCount = 4;
        b.resetCount = 1;
        b.lastSnapshotMicros = BUCKET * 1000 + 30_000_000;
        b.snapshotRevision = 12;
        assertThat(sameAsRowByRow(FlowUpsert.UPSERT, b))
                .startsWith("(HDB,\"2024-12-02 02:15:00+00\",2024-12-02,17600,4800,12800,,,,17600,4800,,,,")
                .endsWith(",77861.579414,9876543210,4,1,\"2024-12-02 02:15:30+00\",12,0)");
    }

    @Test
    void aRefusedBatchCarriesTheServersSqlStateAndMessage() throws Exception {
        Bar broken = bar("B", BUCKET, 1);
        broken.low = new BigDecimal("99"); // above high: the table's CHECK refuses it
        SinkMetrics metrics = SinkMetrics.register(new UnregisteredMetricsGroup());
        c.setAutoCommit(false);
        try (PreparedStatement ps = CollapsingConnectionProvider.collapsing(
                c.prepareStatement(BarUpsert.SQL),
                BarUpsert.SQL,
                BarUpsert.KEY_PARAMETERS,
                BarUpsert.UPSERT.columnTypes(),
                metrics)) {
            BarUpsert.Statement binder = new BarUpsert.Statement();
            for (Bar b : List.of(bar("A", BUCKET, 1), broken)) {
                binder.statement(ps, b);
                ps.addBatch();
            }
            assertThatThrownBy(ps::executeBatch)
                    .isInstanceOf(SQLException.class)
                    .hasMessageStartingWith("Upsert of 2 rows into ohlcv_1m refused by the database (SQLState 23514,"
                            + " 1 failed attempts in a row)")
                    .hasMessageContaining("violates check constraint \"ohlcv_1m_check\"");
        }
        c.rollback();
        assertThat(metrics.batchFailures()).isEqualTo(1);
        assertThat(metrics.batches()).isZero();
    }
}
