package io.marketbars.sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketbars.config.JobOptions;
import io.marketbars.records.Bar;
import io.marketbars.testing.TestServices;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.datasource.connections.SimpleJdbcConnectionProvider;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The upsert statement (one per batch, from column arrays) and its per-batch collapsing, against a real PostgreSQL. */
class BarUpsertIT {
    private static final long BUCKET = 1_733_105_700_000L;

    private JobOptions options;

    @BeforeEach
    void database() {
        String url = TestServices.migratedDatabase("upsert");
        options = JobOptions.fromArgs(
                new String[] {
                    "--db-url", url, "--db-user", TestServices.postgres().user()
                },
                Map.of());
    }

    private static Bar bar(String symbol, String open, long trades) {
        Bar b = new Bar();
        b.symbol = symbol;
        b.bucketStartMillis = BUCKET;
        b.open = new BigDecimal(open);
        b.high = new BigDecimal("99999.9999");
        b.low = new BigDecimal("0.0001");
        b.close = new BigDecimal(open);
        b.volume = BigDecimal.valueOf(trades);
        b.turnover = new BigDecimal(open).multiply(BigDecimal.valueOf(trades));
        b.vwap = new BigDecimal(open);
        b.tradeCount = trades;
        b.buyVolume = BigDecimal.ONE;
        b.sellVolume = BigDecimal.ZERO;
        b.firstTradeMicros = BUCKET * 1000 + 123_456;
        b.lastTradeMicros = BUCKET * 1000 + 59_999_999;
        return b;
    }

    private SimpleJdbcConnectionProvider plainProvider() {
        return new SimpleJdbcConnectionProvider(new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                .withUrl(options.dbUrl)
                .withDriverName("org.postgresql.Driver")
                .withUsername(options.dbUser)
                .build());
    }

    private static void write(Connection c, Bar... bars) throws SQLException {
        write(c, 0, bars);
    }

    private static void write(Connection c, int epoch, Bar... bars) throws SQLException {
        c.setAutoCommit(false); // the connector's writer batches in a transaction as well
        PreparedStatement ps = c.prepareStatement(BarUpsert.SQL);
        BarUpsert.Statement binder = new BarUpsert.Statement(epoch);
        for (Bar b : bars) {
            binder.statement(ps, b);
            ps.addBatch();
        }
        ps.executeBatch();
        c.commit();
    }

    @Test
    void withoutCollapsingTwoVersionsInOneStatementFail() throws Exception {
        try (var provider = plainProvider()) {
            Connection c = provider.getOrEstablishConnection();
            c.setAutoCommit(false);
            // Every parameter a key: nothing collapses, both versions of A go into the one statement.
            PreparedStatement ps = CollapsingConnectionProvider.collapsing(
                    c.prepareStatement(BarUpsert.SQL),
                    BarUpsert.SQL,
                    BarUpsert.UPSERT.columnTypes().size(),
                    BarUpsert.UPSERT.columnTypes(),
                    SinkMetrics.unregistered());
            BarUpsert.Statement binder = new BarUpsert.Statement();
            for (Bar b : new Bar[] {bar("A", "10.10", 1), bar("A", "10.10", 2)}) {
                binder.statement(ps, b);
                ps.addBatch();
            }
            assertThatThrownBy(ps::executeBatch)
                    .hasMessageContaining("SQLState 21000")
                    .hasMessageContaining("cannot affect row a second time");
        }
    }

    @Test
    void inOneBatchEachRowIsGuardedOnItsOwn() throws Exception {
        try (var provider = new CollapsingConnectionProvider(
                plainProvider(), BarUpsert.SQL, BarUpsert.KEY_PARAMETERS, BarUpsert.UPSERT.columnTypes())) {
            Connection c = provider.getOrEstablishConnection();
            write(c, bar("A", "10.30", 5), bar("B", "20.30", 5));
            write(c, bar("A", "10.10", 4), bar("B", "20.40", 6), bar("C", "30.00", 1));
            try (ResultSet rs = c.createStatement()
                    .executeQuery("SELECT symbol, open::text, trade_count FROM ohlcv_1m ORDER BY symbol")) {
                StringBuilder rows = new StringBuilder();
                while (rs.next()) {
                    rows.append(rs.getString(1) + " " + rs.getString(2) + " " + rs.getLong(3) + "; ");
                }
                assertThat(rows.toString())
                        .as("A's older version is skipped, B's newer one and the new C are written")
                        .isEqualTo("A 10.30 5; B 20.40 6; C 30.00 1; ");
            }
        }
    }

    @Test
    void collapsingKeepsTheNewestVersionPerRowAndStoresExactDecimals() throws Exception {
        try (var provider = new CollapsingConnectionProvider(
                plainProvider(), BarUpsert.SQL, BarUpsert.KEY_PARAMETERS, BarUpsert.UPSERT.columnTypes())) {
            Connection c = provider.getOrEstablishConnection();
            write(c, bar("A", "10.10", 1), bar("B", "0.00012345", 7), bar("A", "10.10", 2), bar("A", "10.20", 3));
            try (ResultSet rs = c.createStatement()
                    .executeQuery(
                            "SELECT symbol, open::text, trade_count, first_trade_at FROM ohlcv_1m ORDER BY symbol")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(2)).isEqualTo("10.20");
                assertThat(rs.getLong(3)).isEqualTo(3);
                assertThat(rs.getObject(4, java.time.OffsetDateTime.class).getNano())
                        .isEqualTo(123_456_000);
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(2)).isEqualTo("0.00012345");
                assertThat(rs.next()).isFalse();
            }
        }
    }

    @Test
    void anOlderVersionReplayedAfterARestoreNeverOverwritesANewerOne() throws Exception {
        try (var provider = new CollapsingConnectionProvider(
                plainProvider(), BarUpsert.SQL, BarUpsert.KEY_PARAMETERS, BarUpsert.UPSERT.columnTypes())) {
            Connection c = provider.getOrEstablishConnection();
            write(c, bar("A", "10.30", 5));
            write(c, bar("A", "10.10", 4));
            try (ResultSet rs = c.createStatement().executeQuery("SELECT open::text, trade_count FROM ohlcv_1m")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("10.30");
                assertThat(rs.getLong(2)).isEqualTo(5);
            }
        }
    }

    @Test
    void theSameVersionWrittenAgainLeavesTheRowAsItWas() throws Exception {
        try (var provider = new CollapsingConnectionProvider(
                plainProvider(), BarUpsert.SQL, BarUpsert.KEY_PARAMETERS, BarUpsert.UPSERT.columnTypes())) {
            Connection c = provider.getOrEstablishConnection();
            write(c, bar("A", "10.30", 5));
            String first = storedRow(c);
            write(c, bar("A", "10.30", 5));
            assertThat(storedRow(c)).isEqualTo(first).contains("10.30");
        }
    }

    @Test
    void aCorrectionWithAHigherEpochReplacesTheRowEvenWithFewerTradesAndAnOlderEpochNeverComesBack() throws Exception {
        try (var provider = new CollapsingConnectionProvider(
                plainProvider(), BarUpsert.SQL, BarUpsert.KEY_PARAMETERS, BarUpsert.UPSERT.columnTypes())) {
            Connection c = provider.getOrEstablishConnection();
            write(c, 0, bar("A", "10.30", 5));
            write(c, 1, bar("A", "10.10", 3)); // a rerun that now rejects two of the trades
            assertThat(stored(c)).isEqualTo("10.10 3 1");
            write(c, 1, bar("A", "10.20", 2)); // an older version of the correction run
            write(c, 0, bar("A", "10.40", 6)); // the old run, still writing at epoch 0
            assertThat(stored(c)).isEqualTo("10.10 3 1");
            write(c, 1, bar("A", "10.20", 4)); // the correction run's next version
            assertThat(stored(c)).isEqualTo("10.20 4 1");
        }
    }

    private static String stored(Connection c) throws SQLException {
        try (ResultSet rs =
                c.createStatement().executeQuery("SELECT open::text, trade_count, revision_epoch FROM ohlcv_1m")) {
            assertThat(rs.next()).isTrue();
            String row = rs.getString(1) + " " + rs.getLong(2) + " " + rs.getInt(3);
            assertThat(rs.next()).isFalse();
            return row;
        }
    }

    private static String storedRow(Connection c) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT t::text FROM ohlcv_1m t")) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    @Test
    void metricsCountEachDatabaseRoundTripAndTheRowsLeftAfterCollapsing() throws Exception {
        try (var provider = new CollapsingConnectionProvider(
                plainProvider(), BarUpsert.SQL, BarUpsert.KEY_PARAMETERS, BarUpsert.UPSERT.columnTypes())) {
            SinkMetrics metrics = SinkMetrics.register(new UnregisteredMetricsGroup());
            provider.bindMetrics(metrics);
            Connection c = provider.getOrEstablishConnection();
            write(c, bar("A", "10.10", 1), bar("B", "20.00", 1), bar("A", "10.20", 2));
            write(c, bar("C", "30.00", 1));
            assertThat(metrics.batches()).isEqualTo(2);
            assertThat(metrics.rowsWritten())
                    .as("the two versions of A went out as one row")
                    .isEqualTo(3);
            assertThat(metrics.batchLatencyMillis().getCount()).isEqualTo(2);
            assertThat(metrics.batchLatencyMillis().getStatistics().getMax()).isGreaterThanOrEqualTo(0);
        }
    }
}
