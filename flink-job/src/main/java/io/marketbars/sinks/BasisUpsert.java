package io.marketbars.sinks;

import static io.marketbars.sinks.ColumnType.BIGINT;
import static io.marketbars.sinks.ColumnType.NUMERIC;
import static io.marketbars.sinks.ColumnType.TEXT;
import static io.marketbars.sinks.ColumnType.TIMESTAMPTZ;
import static io.marketbars.sinks.JdbcUpserts.decimal;
import static io.marketbars.sinks.JdbcUpserts.micros;
import static io.marketbars.sinks.JdbcUpserts.millis;

import io.marketbars.config.JobOptions;
import io.marketbars.records.BasisBar;
import java.sql.Types;

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

    static final Upsert<BasisBar> UPSERT = Upsert.<BasisBar>into(TABLE)
            .key("contract", TEXT, (ps, i, b) -> ps.setString(i, b.contract))
            .key("bucket", TIMESTAMPTZ, (ps, i, b) -> ps.setObject(i, millis(b.bucketStartMillis)))
            .value("underlying", TEXT, (ps, i, b) -> ps.setString(i, b.underlying))
            .value("basis_open", NUMERIC, (ps, i, b) -> decimal(ps, i, b.basisOpen))
            .value("basis_high", NUMERIC, (ps, i, b) -> decimal(ps, i, b.basisHigh))
            .value("basis_low", NUMERIC, (ps, i, b) -> decimal(ps, i, b.basisLow))
            .value("basis_close", NUMERIC, (ps, i, b) -> decimal(ps, i, b.basisClose))
            .value("futures_close", NUMERIC, (ps, i, b) -> decimal(ps, i, b.futuresClose))
            .value("index_close", NUMERIC, (ps, i, b) -> decimal(ps, i, b.indexClose))
            .value("index_close_at", TIMESTAMPTZ, (ps, i, b) -> {
                if (b.indexClose == null) {
                    ps.setNull(i, Types.TIMESTAMP_WITH_TIMEZONE);
                } else {
                    ps.setObject(i, micros(b.indexCloseMicros));
                }
            })
            .value("basis_close_bps", NUMERIC, (ps, i, b) -> decimal(ps, i, b.basisCloseBps))
            .value("joined_count", BIGINT, (ps, i, b) -> ps.setLong(i, b.joinedCount))
            .value("unjoined_count", BIGINT, (ps, i, b) -> ps.setLong(i, b.unjoinedCount))
            .value("first_trade_at", TIMESTAMPTZ, (ps, i, b) -> ps.setObject(i, micros(b.firstTradeMicros)))
            .value("last_trade_at", TIMESTAMPTZ, (ps, i, b) -> ps.setObject(i, micros(b.lastTradeMicros)))
            .value("index_revision", BIGINT, (ps, i, b) -> ps.setLong(i, b.indexRevision))
            .guardedBy("joined_count + unjoined_count", "index_revision");

    static final String SQL = UPSERT.sql();

    /** Parameters 1 and 2, (contract, bucket), identify a row: versions in one batch collapse on them. */
    static final int KEY_PARAMETERS = UPSERT.keyParameters();

    private BasisUpsert() {}

    public static MeteredJdbcSink<BasisBar> sink(JobOptions options) {
        return UPSERT.sink(options);
    }

    /** Binds one row at the given revision epoch. */
    static final class Statement extends Upsert.Statement<BasisBar> {
        private static final long serialVersionUID = 1L;

        Statement(int revisionEpoch) {
            super(UPSERT, revisionEpoch);
        }
    }
}
