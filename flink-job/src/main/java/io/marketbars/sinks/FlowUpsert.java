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

/** The {@code foreign_flow_1m} upsert; like {@link BasisUpsert}, the newest version is the last written. */
public final class FlowUpsert {
    public static final String TABLE = "foreign_flow_1m";

    static final String SQL = "INSERT INTO " + TABLE
            + " (symbol, bucket, trading_day, buy_qty, sell_qty, net_qty, buy_value, sell_value, net_value,"
            + " day_buy_qty, day_sell_qty, day_buy_value, day_sell_value, buy_qty_per_min, sell_qty_per_min,"
            + " net_qty_per_min, rated_span_ms, snapshot_count, reset_count, last_snapshot_at)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (symbol, bucket) DO UPDATE SET"
            + " trading_day = EXCLUDED.trading_day, buy_qty = EXCLUDED.buy_qty, sell_qty = EXCLUDED.sell_qty,"
            + " net_qty = EXCLUDED.net_qty, buy_value = EXCLUDED.buy_value, sell_value = EXCLUDED.sell_value,"
            + " net_value = EXCLUDED.net_value, day_buy_qty = EXCLUDED.day_buy_qty,"
            + " day_sell_qty = EXCLUDED.day_sell_qty, day_buy_value = EXCLUDED.day_buy_value,"
            + " day_sell_value = EXCLUDED.day_sell_value, buy_qty_per_min = EXCLUDED.buy_qty_per_min,"
            + " sell_qty_per_min = EXCLUDED.sell_qty_per_min, net_qty_per_min = EXCLUDED.net_qty_per_min,"
            + " rated_span_ms = EXCLUDED.rated_span_ms, snapshot_count = EXCLUDED.snapshot_count,"
            + " reset_count = EXCLUDED.reset_count, last_snapshot_at = EXCLUDED.last_snapshot_at";

    private FlowUpsert() {}

    public static MeteredJdbcSink<FlowBar> sink(JobOptions options) {
        return JdbcUpserts.sink(options, new Statement(), 2);
    }

    static final class Statement implements JdbcQueryStatement<FlowBar> {
        private static final long serialVersionUID = 1L;

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
        }
    }
}
