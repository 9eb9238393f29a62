package io.marketbars.sinks;

import static io.marketbars.sinks.ColumnType.BIGINT;
import static io.marketbars.sinks.ColumnType.NUMERIC;
import static io.marketbars.sinks.ColumnType.TEXT;
import static io.marketbars.sinks.ColumnType.TIMESTAMPTZ;
import static io.marketbars.sinks.JdbcUpserts.decimal;
import static io.marketbars.sinks.JdbcUpserts.micros;
import static io.marketbars.sinks.JdbcUpserts.millis;

import io.marketbars.config.JobOptions;
import io.marketbars.records.Bar;

/**
 * The {@code ohlcv_1m} upsert through the Flink JDBC connector: at-least-once delivery of
 * idempotent upserts, which gives exactly-once rows. Batches flush by size, by time and before
 * every checkpoint barrier; each batch is one {@code INSERT .. SELECT unnest(..), ..} statement
 * ({@link Upsert}).
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

    public static final Upsert<Bar> UPSERT = Upsert.<Bar>into(TABLE)
            .key("symbol", TEXT, (ps, i, b) -> ps.setString(i, b.symbol))
            .key("bucket", TIMESTAMPTZ, (ps, i, b) -> ps.setObject(i, millis(b.bucketStartMillis)))
            .value("open", NUMERIC, (ps, i, b) -> ps.setBigDecimal(i, b.open))
            .value("high", NUMERIC, (ps, i, b) -> ps.setBigDecimal(i, b.high))
            .value("low", NUMERIC, (ps, i, b) -> ps.setBigDecimal(i, b.low))
            .value("close", NUMERIC, (ps, i, b) -> ps.setBigDecimal(i, b.close))
            .value("volume", NUMERIC, (ps, i, b) -> ps.setBigDecimal(i, b.volume))
            .value("turnover", NUMERIC, (ps, i, b) -> ps.setBigDecimal(i, b.turnover))
            .value("vwap", NUMERIC, (ps, i, b) -> decimal(ps, i, b.vwap))
            .value("trade_count", BIGINT, (ps, i, b) -> ps.setLong(i, b.tradeCount))
            .value("buy_volume", NUMERIC, (ps, i, b) -> ps.setBigDecimal(i, b.buyVolume))
            .value("sell_volume", NUMERIC, (ps, i, b) -> ps.setBigDecimal(i, b.sellVolume))
            .value("first_trade_at", TIMESTAMPTZ, (ps, i, b) -> ps.setObject(i, micros(b.firstTradeMicros)))
            .value("last_trade_at", TIMESTAMPTZ, (ps, i, b) -> ps.setObject(i, micros(b.lastTradeMicros)))
            .guardedBy("trade_count");

    static final String SQL = UPSERT.sql();

    /** Parameters 1 and 2, (symbol, bucket), identify a row: versions in one batch collapse on them. */
    static final int KEY_PARAMETERS = UPSERT.keyParameters();

    private BarUpsert() {}

    /** The sink, with {@link SinkMetrics} (batch latency, batches, rows) in its writer's metric group. */
    public static MeteredJdbcSink<Bar> sink(JobOptions options) {
        return UPSERT.sink(options);
    }

    /** Binds one row at the given revision epoch; numbers go in as BigDecimal so NUMERIC columns store them exactly. */
    static final class Statement extends Upsert.Statement<Bar> {
        private static final long serialVersionUID = 1L;

        Statement(int revisionEpoch) {
            super(UPSERT, revisionEpoch);
        }

        /** Epoch 0, the default. */
        Statement() {
            this(0);
        }
    }
}
