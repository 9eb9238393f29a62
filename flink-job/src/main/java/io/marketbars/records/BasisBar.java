package io.marketbars.records;

import java.math.BigDecimal;

/**
 * One minute of a futures contract against its underlying index, as upserted into
 * {@code basis_1m}. The basis of a trade is its price minus the latest index value at or before it
 * on the same trading day; the basis fields are null when no trade of the minute had one.
 */
public class BasisBar {
    public String contract;
    /** Start of the minute, epoch milliseconds (UTC). */
    public long bucketStartMillis;

    public String underlying;
    public BigDecimal basisOpen;
    public BigDecimal basisHigh;
    public BigDecimal basisLow;
    public BigDecimal basisClose;
    /** Price of the minute's last trade. */
    public BigDecimal futuresClose;
    /** Index value joined to the minute's last joined trade, and its timestamp. */
    public BigDecimal indexClose;

    public long indexCloseMicros;
    /** basisClose / indexClose x 10000, half-even to {@link #BPS_SCALE} places. */
    public BigDecimal basisCloseBps;

    public long joinedCount;
    public long unjoinedCount;
    public long firstTradeMicros;
    public long lastTradeMicros;
    /**
     * Index values admitted for the underlying when this version was computed. With the trade
     * count it orders the versions of one row: (joined + unjoined, index revision) never goes down,
     * and two versions of different content never share it (see BasisUpsert).
     */
    public long indexRevision;

    public static final int BPS_SCALE = 4;

    public BasisBar() {}

    @Override
    public String toString() {
        return "BasisBar{" + contract + "/" + underlying + " " + java.time.Instant.ofEpochMilli(bucketStartMillis)
                + " o=" + basisOpen + " h=" + basisHigh + " l=" + basisLow + " c=" + basisClose
                + " joined=" + joinedCount + " unjoined=" + unjoinedCount + "}";
    }
}
