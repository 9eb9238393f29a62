package io.marketbars.sinks;

import static io.marketbars.sinks.JdbcUpserts.decimal;
import static io.marketbars.sinks.JdbcUpserts.micros;
import static io.marketbars.sinks.JdbcUpserts.millis;

import io.marketbars.config.JobOptions;
import io.marketbars.records.BasisBar;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import org.apache.flink.connector.jdbc.datasource.statements.JdbcQueryStatement;

/**
 * The {@code basis_1m} upsert. Every version of a basis bar is computed from everything held for
 * its minute, and versions of one row reach the sink in the order they were computed, so the last
 * write is the newest; a restore replays versions in the same order and ends at the same row.
 */
public final class BasisUpsert {
    public static final String TABLE = "basis_1m";

    static final String SQL = "INSERT INTO " + TABLE
            + " (contract, bucket, underlying, basis_open, basis_high, basis_low, basis_close, futures_close,"
            + " index_close, index_close_at, basis_close_bps, joined_count, unjoined_count, first_trade_at, last_trade_at)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (contract, bucket) DO UPDATE SET"
            + " underlying = EXCLUDED.underlying, basis_open = EXCLUDED.basis_open, basis_high = EXCLUDED.basis_high,"
            + " basis_low = EXCLUDED.basis_low, basis_close = EXCLUDED.basis_close,"
            + " futures_close = EXCLUDED.futures_close, index_close = EXCLUDED.index_close,"
            + " index_close_at = EXCLUDED.index_close_at, basis_close_bps = EXCLUDED.basis_close_bps,"
            + " joined_count = EXCLUDED.joined_count, unjoined_count = EXCLUDED.unjoined_count,"
            + " first_trade_at = EXCLUDED.first_trade_at, last_trade_at = EXCLUDED.last_trade_at";

    private BasisUpsert() {}

    public static MeteredJdbcSink<BasisBar> sink(JobOptions options) {
        return JdbcUpserts.sink(options, new Statement(), 2);
    }

    static final class Statement implements JdbcQueryStatement<BasisBar> {
        private static final long serialVersionUID = 1L;

        @Override
        public String query() {
            return SQL;
        }

        @Override
        public void statement(PreparedStatement ps, BasisBar b) throws SQLException {
            ps.setString(1, b.contract);
            ps.setObject(2, millis(b.bucketStartMillis));
            ps.setString(3, b.underlying);
            decimal(ps, 4, b.basisOpen);
            decimal(ps, 5, b.basisHigh);
            decimal(ps, 6, b.basisLow);
            decimal(ps, 7, b.basisClose);
            decimal(ps, 8, b.futuresClose);
            decimal(ps, 9, b.indexClose);
            if (b.indexClose == null) {
                ps.setNull(10, Types.TIMESTAMP_WITH_TIMEZONE);
            } else {
                ps.setObject(10, micros(b.indexCloseMicros));
            }
            decimal(ps, 11, b.basisCloseBps);
            ps.setLong(12, b.joinedCount);
            ps.setLong(13, b.unjoinedCount);
            ps.setObject(14, micros(b.firstTradeMicros));
            ps.setObject(15, micros(b.lastTradeMicros));
        }
    }
}
