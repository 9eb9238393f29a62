package io.marketbars.sinks;

import static io.marketbars.sinks.ColumnType.BIGINT;
import static io.marketbars.sinks.ColumnType.DATE;
import static io.marketbars.sinks.ColumnType.INTEGER;
import static io.marketbars.sinks.ColumnType.NUMERIC;
import static io.marketbars.sinks.ColumnType.TEXT;
import static io.marketbars.sinks.ColumnType.TIMESTAMPTZ;
import static io.marketbars.sinks.JdbcUpserts.decimal;
import static io.marketbars.sinks.JdbcUpserts.micros;
import static io.marketbars.sinks.JdbcUpserts.millis;

import io.marketbars.config.JobOptions;
import io.marketbars.records.FlowBar;
import java.time.LocalDate;

/**
 * The {@code foreign_flow_1m} upsert, guarded like {@link BarUpsert}. No column of the bar is
 * monotonic across its versions: a corrected snapshot (same instant, later offset) changes a minute
 * and every later one without changing any count. A version's revision is
 * ({@code revision_epoch}, {@code snapshot_revision}), where {@code snapshot_revision} counts the
 * snapshots the symbol had admitted when it was computed
 * ({@link io.marketbars.functions.FlowKeyState#snapshotRevision}): it grows with every re-emission,
 * and names the same prefix of the symbol's feed in a run restored from a checkpoint, so a version
 * with a higher one has seen everything that touched the minute (see {@link BasisUpsert}).
 */
public final class FlowUpsert {
    public static final String TABLE = "foreign_flow_1m";

    static final Upsert<FlowBar> UPSERT = Upsert.<FlowBar>into(TABLE)
            .key("symbol", TEXT, (ps, i, b) -> ps.setString(i, b.symbol))
            .key("bucket", TIMESTAMPTZ, (ps, i, b) -> ps.setObject(i, millis(b.bucketStartMillis)))
            .value("trading_day", DATE, (ps, i, b) -> ps.setObject(i, LocalDate.ofEpochDay(b.tradingDay)))
            .value("buy_qty", NUMERIC, (ps, i, b) -> decimal(ps, i, b.buyQty))
            .value("sell_qty", NUMERIC, (ps, i, b) -> decimal(ps, i, b.sellQty))
            .value("net_qty", NUMERIC, (ps, i, b) -> decimal(ps, i, b.netQty))
            .value("buy_value", NUMERIC, (ps, i, b) -> decimal(ps, i, b.buyValue))
            .value("sell_value", NUMERIC, (ps, i, b) -> decimal(ps, i, b.sellValue))
            .value("net_value", NUMERIC, (ps, i, b) -> decimal(ps, i, b.netValue))
            .value("day_buy_qty", NUMERIC, (ps, i, b) -> decimal(ps, i, b.dayBuyQty))
            .value("day_sell_qty", NUMERIC, (ps, i, b) -> decimal(ps, i, b.daySellQty))
            .value("day_buy_value", NUMERIC, (ps, i, b) -> decimal(ps, i, b.dayBuyValue))
            .value("day_sell_value", NUMERIC, (ps, i, b) -> decimal(ps, i, b.daySellValue))
            .value("buy_qty_per_min", NUMERIC, (ps, i, b) -> decimal(ps, i, b.buyQtyPerMin))
            .value("sell_qty_per_min", NUMERIC, (ps, i, b) -> decimal(ps, i, b.sellQtyPerMin))
            .value("net_qty_per_min", NUMERIC, (ps, i, b) -> decimal(ps, i, b.netQtyPerMin))
            .value("rated_span_ms", BIGINT, (ps, i, b) -> ps.setLong(i, b.ratedSpanMillis))
            .value("snapshot_count", INTEGER, (ps, i, b) -> ps.setInt(i, b.snapshotCount))
            .value("reset_count", INTEGER, (ps, i, b) -> ps.setInt(i, b.resetCount))
            .value("last_snapshot_at", TIMESTAMPTZ, (ps, i, b) -> ps.setObject(i, micros(b.lastSnapshotMicros)))
            .value("snapshot_revision", BIGINT, (ps, i, b) -> ps.setLong(i, b.snapshotRevision))
            .guardedBy("snapshot_revision");

    static final String SQL = UPSERT.sql();

    /** Parameters 1 and 2, (symbol, bucket), identify a row: versions in one batch collapse on them. */
    static final int KEY_PARAMETERS = UPSERT.keyParameters();

    private FlowUpsert() {}

    public static MeteredJdbcSink<FlowBar> sink(JobOptions options) {
        return UPSERT.sink(options);
    }

    /** Binds one row at the given revision epoch. */
    static final class Statement extends Upsert.Statement<FlowBar> {
        private static final long serialVersionUID = 1L;

        Statement(int revisionEpoch) {
            super(UPSERT, revisionEpoch);
        }
    }
}
