package io.marketbars.records;

import java.math.BigDecimal;

/**
 * One minute of foreign investors' flow in one symbol, as upserted into {@code foreign_flow_1m}:
 * the minute's buy, sell and net from the deltas of consecutive snapshots, the day totals at the
 * minute's last snapshot, and the rate per minute.
 */
public class FlowBar {
    public String symbol;
    /** Start of the minute, epoch milliseconds (UTC). */
    public long bucketStartMillis;
    /** Trading day in the exchange time zone, as days since 1970-01-01. */
    public int tradingDay;

    public BigDecimal buyQty;
    public BigDecimal sellQty;
    public BigDecimal netQty;
    /** Null when a snapshot of the minute, or its predecessor, carried no values. */
    public BigDecimal buyValue;

    public BigDecimal sellValue;
    public BigDecimal netValue;
    public BigDecimal dayBuyQty;
    public BigDecimal daySellQty;
    /** Null once a snapshot of the day carried no values. */
    public BigDecimal dayBuyValue;

    public BigDecimal daySellValue;
    /** Deltas with a same-day predecessor, x 60000 / {@link #ratedSpanMillis}; null when that is 0. */
    public BigDecimal buyQtyPerMin;

    public BigDecimal sellQtyPerMin;
    public BigDecimal netQtyPerMin;
    public long ratedSpanMillis;
    public int snapshotCount;
    public int resetCount;
    public long lastSnapshotMicros;
    /** Snapshots admitted for the symbol when this version was computed: orders the versions of one row (see FlowUpsert). */
    public long snapshotRevision;

    public static final int RATE_SCALE = 6;

    public FlowBar() {}

    @Override
    public String toString() {
        return "FlowBar{" + symbol + " " + java.time.Instant.ofEpochMilli(bucketStartMillis) + " buy=" + buyQty
                + " sell=" + sellQty + " dayBuy=" + dayBuyQty + " daySell=" + daySellQty + " resets=" + resetCount
                + "}";
    }
}
