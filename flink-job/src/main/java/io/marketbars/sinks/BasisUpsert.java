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
 * The {@code basis_1m} upsert, guarded like {@link BarUpsert} so an older version never overwrites
 * a newer one. The trade count alone is not enough here: a late index value re-emits a minute with
 * new basis values and the same trades. A version's revision is therefore
 * ({@code revision_epoch}, {@code joined_count + unjoined_count}, {@code index_revision}), compared
 * lexicographically, where {@code index_revision} counts the index values the underlying had
 * admitted when the version was computed ({@link io.marketbars.functions.BasisKeyState#indexRevision}).
 *
 * <p>Why that order is sound: within a run both parts only grow, and every re-emission grows one
 * of them (a late trade the count, a late or corrected index value the index revision). Across a
 * failover, both runs read the same feeds from the same checkpoint, so an index revision names the
 * same prefix of the index feed in both: a version with the final trades and a higher index
 * revision than the final version can only have seen index values that do not touch the minute
 * (one that did would have re-emitted it), so it is the same row.
 */
public final class BasisUpsert {
    public static final String TABLE = "basis_1m";

    static final String SQL = "INSERT INTO " + TABLE
            + " (contract, bucket, underlying, basis_open, basis_high, basis_low, basis_close, futures_close,"
            + " index_close, index_close_at, basis_close_bps, joined_count, unjoined_count, first_trade_at, last_trade_at,"
            + " index_revision, revision_epoch)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (contract, bucket) DO UPDATE SET"
            + " underlying = EXCLUDED.underlying, basis_open = EXCLUDED.basis_open, basis_high = EXCLUDED.basis_high,"
            + " basis_low = EXCLUDED.basis_low, basis_close = EXCLUDED.basis_close,"
            + " futures_close = EXCLUDED.futures_close, index_close = EXCLUDED.index_close,"
            + " index_close_at = EXCLUDED.index_close_at, basis_close_bps = EXCLUDED.basis_close_bps,"
            + " joined_count = EXCLUDED.joined_count, unjoined_count = EXCLUDED.unjoined_count,"
            + " first_trade_at = EXCLUDED.first_trade_at, last_trade_at = EXCLUDED.last_trade_at,"
            + " index_revision = EXCLUDED.index_revision, revision_epoch = EXCLUDED.revision_epoch"
            + " WHERE (" + TABLE + ".revision_epoch, " + TABLE + ".joined_count + " + TABLE + ".unjoined_count, "
            + TABLE + ".index_revision)"
            + " <= (EXCLUDED.revision_epoch, EXCLUDED.joined_count + EXCLUDED.unjoined_count, EXCLUDED.index_revision)";

    /** Parameters 1 and 2, (contract, bucket), identify a row. */
    static final int KEY_PARAMETERS = 2;

    private BasisUpsert() {}

    public static MeteredJdbcSink<BasisBar> sink(JobOptions options) {
        return JdbcUpserts.sink(options, new Statement(options.revisionEpoch), KEY_PARAMETERS);
    }

    static final class Statement implements JdbcQueryStatement<BasisBar> {
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
            ps.setLong(16, b.indexRevision);
            ps.setInt(17, revisionEpoch);
        }
    }
}
