package io.marketbars.records;

import java.math.BigDecimal;

/**
 * Foreign investors' cumulative-for-the-day buying and selling of one symbol at an instant, as
 * exchange feeds publish it (SSI FastConnect and the like). Values are optional; when present,
 * both are.
 */
public class FlowSnapshot extends FeedRecord {
    public BigDecimal buyQty;
    public BigDecimal sellQty;
    /** Null when the feed gives quantities only. */
    public BigDecimal buyValue;

    public BigDecimal sellValue;

    public FlowSnapshot() {}

    public boolean hasValues() {
        return buyValue != null;
    }

    @Override
    public String toString() {
        return "FlowSnapshot{" + symbol + " " + tsMicros + " buy=" + buyQty + " sell=" + sellQty + "}";
    }
}
