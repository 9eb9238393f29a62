package io.marketbars.records;

import java.math.BigDecimal;

/**
 * A 1-minute OHLCV bar for one symbol, as upserted into {@code ohlcv_1m}. Every version of a bar
 * (on time, then once per accepted late tick) carries all its fields, so the last upsert wins.
 */
public class Bar {
    public String symbol;
    /** Start of the minute, epoch milliseconds (UTC). */
    public long bucketStartMillis;

    public BigDecimal open;
    public BigDecimal high;
    public BigDecimal low;
    public BigDecimal close;
    public BigDecimal volume;
    /** Sum of price x qty, exact. */
    public BigDecimal turnover;
    /** turnover / volume rounded half-even to {@code VWAP_SCALE} places; null when volume is 0. */
    public BigDecimal vwap;

    public long tradeCount;
    public BigDecimal buyVolume;
    public BigDecimal sellVolume;
    public long firstTradeMicros;
    public long lastTradeMicros;

    public static final int VWAP_SCALE = 10;

    public Bar() {}

    @Override
    public String toString() {
        return "Bar{" + symbol + " " + java.time.Instant.ofEpochMilli(bucketStartMillis) + " o=" + open + " h=" + high
                + " l=" + low + " c=" + close + " v=" + volume + " n=" + tradeCount + "}";
    }
}
