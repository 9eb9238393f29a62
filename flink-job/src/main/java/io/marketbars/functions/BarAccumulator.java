package io.marketbars.functions;

import java.math.BigDecimal;

/**
 * The running state of one bar, and also a partial bar: {@link io.marketbars.ohlcv.OrderAndDeduplicate} folds the
 * released ticks of one symbol and minute into one of these, and the window merges them. Open and
 * close are kept with their full ordering key so that the result does not depend on the order
 * parts arrive in (late ticks arrive after later ones).
 */
public class BarAccumulator {
    /** Set on parts (the window knows its key); used to route a part that reached a purged window. */
    public String symbol;

    public long openTs = Long.MAX_VALUE;
    public long openSeq;
    public int openPartition;
    public long openOffset;
    public BigDecimal open;

    public long closeTs = Long.MIN_VALUE;
    public long closeSeq;
    public int closePartition;
    public long closeOffset;
    public BigDecimal close;

    public BigDecimal high;
    public BigDecimal low;
    public BigDecimal volume = BigDecimal.ZERO;
    public BigDecimal turnover = BigDecimal.ZERO;
    public BigDecimal buyVolume = BigDecimal.ZERO;
    public BigDecimal sellVolume = BigDecimal.ZERO;
    public long tradeCount;

    public BarAccumulator() {}
}
