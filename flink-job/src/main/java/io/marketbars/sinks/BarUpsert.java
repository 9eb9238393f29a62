package io.marketbars.sinks;

import io.marketbars.config.JobOptions;
import io.marketbars.records.Bar;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.apache.flink.connector.jdbc.datasource.statements.JdbcQueryStatement;

/**
 * The {@code ohlcv_1m} upsert through the Flink JDBC connector: at-least-once delivery of
 * idempotent upserts, which gives exactly-once rows. Batches flush by size, by time and before
 * every checkpoint barrier; pgjdbc rewrites each batch into one multi-row INSERT.
 *
 * <p>The {@code WHERE} clause keeps a row from going backwards. A version's revision is
 * ({@code revision_epoch}, {@code trade_count}), compared lexicographically: within one epoch every
 * later version of a bar has more trades (a bar only ever gains trades), so an older version
 * replayed after a restore, or written late by a writer that outlived its failover, can never
 * overwrite a newer one, while an equal version rewrites the row unchanged (idempotent). A
 * deliberate correction runs with a higher {@code --revision-epoch} and replaces the rows it
 * writes even when they now have fewer trades (README, "Correcting stored bars").
 */
public final class BarUpsert {
    public static final String TABLE = "ohlcv_1m";

    static final String SQL = "INSERT INTO " + TABLE
            + " (symbol, bucket, open, high, low, close, volume, turnover, vwap, trade_count,"
            + " buy_volume, sell_volume, first_trade_at, last_trade_at, revision_epoch)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (symbol, bucket) DO UPDATE SET"
            + " open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,"
            + " volume = EXCLUDED.volume, turnover = EXCLUDED.turnover, vwap = EXCLUDED.vwap,"
            + " trade_count = EXCLUDED.trade_count, buy_volume = EXCLUDED.buy_volume,"
            + " sell_volume = EXCLUDED.sell_volume, first_trade_at = EXCLUDED.first_trade_at,"
            + " last_trade_at = EXCLUDED.last_trade_at, revision_epoch = EXCLUDED.revision_epoch"
            + " WHERE (" + TABLE + ".revision_epoch, " + TABLE + ".trade_count)"
            + " <= (EXCLUDED.revision_epoch, EXCLUDED.trade_count)";

    /** Parameters 1 and 2, (symbol, bucket), identify a row: versions in one batch collapse on them. */
    static final int KEY_PARAMETERS = 2;

    private BarUpsert() {}

    /** The sink, with {@link SinkMetrics} (batch latency, batches, rows) in its writer's metric group. */
    public static MeteredJdbcSink<Bar> sink(JobOptions options) {
        return JdbcUpserts.sink(options, new Statement(options.revisionEpoch), KEY_PARAMETERS);
    }

    /** Binds one bar; numbers go in as BigDecimal so NUMERIC columns store them exactly. */
    static final class Statement implements JdbcQueryStatement<Bar> {
        private static final long serialVersionUID = 1L;

        private final int revisionEpoch;

        Statement(int revisionEpoch) {
            this.revisionEpoch = revisionEpoch;
        }

        /** Epoch 0, the default. */
        Statement() {
            this(0);
        }

        @Override
        public String query() {
            return SQL;
        }

        @Override
        public void statement(PreparedStatement ps, Bar bar) throws SQLException {
            ps.setString(1, bar.symbol);
            ps.setObject(2, JdbcUpserts.millis(bar.bucketStartMillis));
            ps.setBigDecimal(3, bar.open);
            ps.setBigDecimal(4, bar.high);
            ps.setBigDecimal(5, bar.low);
            ps.setBigDecimal(6, bar.close);
            ps.setBigDecimal(7, bar.volume);
            ps.setBigDecimal(8, bar.turnover);
            JdbcUpserts.decimal(ps, 9, bar.vwap);
            ps.setLong(10, bar.tradeCount);
            ps.setBigDecimal(11, bar.buyVolume);
            ps.setBigDecimal(12, bar.sellVolume);
            ps.setObject(13, JdbcUpserts.micros(bar.firstTradeMicros));
            ps.setObject(14, JdbcUpserts.micros(bar.lastTradeMicros));
            ps.setInt(15, revisionEpoch);
        }
    }
}
