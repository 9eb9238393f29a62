package io.marketbars.sinks;

import static io.marketbars.sinks.JdbcUpserts.decimal;
import static io.marketbars.sinks.JdbcUpserts.micros;
import static io.marketbars.sinks.JdbcUpserts.millis;

import io.marketbars.config.JobOptions;
import io.marketbars.records.FlowBar;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.LocalDate;
import org.apache.flink.connector.jdbc.datasource.statements.JdbcQueryStatement;

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

    static final String SQL = "INSERT INTO " + TABLE
            + " (symbol, bucket, trading_day, buy_qty, sell_qty, net_qty, buy_value, sell_value, net_value,"
            + " day_buy_qty, day_sell_qty, day_buy_value, day_sell_value, buy_qty_per_min, sell_qty_per_min,"
            + " net_qty_per_min, rated_span_ms, snapshot_count, reset_count, last_snapshot_at, snapshot_revision,"
            + " revision_epoch)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (symbol, bucket) DO UPDATE SET"
            + " trading_day = EXCLUDED.trading_day, buy_qty = EXCLUDED.buy_qty, sell_qty = EXCLUDED.sell_qty,"
            + " net_qty = EXCLUDED.net_qty, buy_value = EXCLUDED.buy_value, sell_value = EXCLUDED.sell_value,"
            + " net_value = EXCLUDED.net_value, day_buy_qty = EXCLUDED.day_buy_qty,"
            + " day_sell_qty = EXCLUDED.day_sell_qty, day_buy_value = EXCLUDED.day_buy_value,"
            + " day_sell_value = EXCLUDED.day_sell_value, buy_qty_per_min = EXCLUDED.buy_qty_per_min,"
            + " sell_qty_per_min = EXCLUDED.sell_qty_per_min, net_qty_per_min = EXCLUDED.net_qty_per_min,"
            + " rated_span_ms = EXCLUDED.rated_span_ms, snapshot_count = EXCLUDED.snapshot_count,"
            + " reset_count = EXCLUDED.reset_count, last_snapshot_at = EXCLUDED.last_snapshot_at,"
            + " snapshot_revision = EXCLUDED.snapshot_revision, revision_epoch = EXCLUDED.revision_epoch"
            + " WHERE (" + TABLE + ".revision_epoch, " + TABLE + ".snapshot_revision)"
            + " <= (EXCLUDED.revision_epoch, EXCLUDED.snapshot_revision)";

    /** Parameters 1 and 2, (symbol, bucket), identify a row. */
    static final int KEY_PARAMETERS = 2;

    private FlowUpsert() {}

    public static MeteredJdbcSink<FlowBar> sink(JobOptions options) {
        return JdbcUpserts.sink(options, new Statement(options.revisionEpoch), KEY_PARAMETERS);
    }

    static final class Statement implements JdbcQueryStatement<FlowBar> {
        private static final long serialVersionUID = 1L;

        private final int revisionEpoch;

        Statement(int revisionEpoch) {
            this.revisionEpoch = revisionEpoch;
        }

        @Override
        public String query() {
            return SQL;
        }

        @Override
        public void statement(PreparedStatement ps, FlowBar b) throws SQLException {
            ps.setString(1, b.symbol);
            ps.setObject(2, millis(b.bucketStartMillis));
            ps.setObject(3, LocalDate.ofEpochDay(b.tradingDay));
            decimal(ps, 4, b.buyQty);
            decimal(ps, 5, b.sellQty);
            decimal(ps, 6, b.netQty);
            decimal(ps, 7, b.buyValue);
            decimal(ps, 8, b.sellValue);
            decimal(ps, 9, b.netValue);
            decimal(ps, 10, b.dayBuyQty);
            decimal(ps, 11, b.daySellQty);
            decimal(ps, 12, b.dayBuyValue);
            decimal(ps, 13, b.daySellValue);
            decimal(ps, 14, b.buyQtyPerMin);
            decimal(ps, 15, b.sellQtyPerMin);
            decimal(ps, 16, b.netQtyPerMin);
            ps.setLong(17, b.ratedSpanMillis);
            ps.setInt(18, b.snapshotCount);
            ps.setInt(19, b.resetCount);
            ps.setObject(20, micros(b.lastSnapshotMicros));
            ps.setLong(21, b.snapshotRevision);
            ps.setInt(22, revisionEpoch);
        }
    }
}
