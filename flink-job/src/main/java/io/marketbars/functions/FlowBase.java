package io.marketbars.functions;

import java.math.BigDecimal;

/**
 * Where the fold of one symbol's foreign-flow snapshots stands after some of them: the trading
 * day, the counters the next delta is measured from, and the day's totals. {@link io.marketbars.flow.FlowBars} moves
 * it forward one snapshot at a time; {@link io.marketbars.flow.ForeignFlow} keeps it in state for the snapshots it no
 * longer holds.
 */
public class FlowBase {
    /** Days since 1970-01-01 in the exchange time zone; {@link Integer#MIN_VALUE} before any snapshot. */
    public int day = Integer.MIN_VALUE;

    public BigDecimal lastBuy;
    public BigDecimal lastSell;
    /** Null when the last snapshot carried no values. */
    public BigDecimal lastBuyValue;

    public BigDecimal lastSellValue;
    /** Time of the last snapshot of the day; {@link Long#MIN_VALUE} at the start of a day. */
    public long lastMillis = Long.MIN_VALUE;

    public BigDecimal dayBuy;
    public BigDecimal daySell;
    /** Null once a snapshot of the day carried no values. */
    public BigDecimal dayBuyValue;

    public BigDecimal daySellValue;

    public FlowBase() {}

    public FlowBase copy() {
        FlowBase c = new FlowBase();
        c.day = day;
        c.lastBuy = lastBuy;
        c.lastSell = lastSell;
        c.lastBuyValue = lastBuyValue;
        c.lastSellValue = lastSellValue;
        c.lastMillis = lastMillis;
        c.dayBuy = dayBuy;
        c.daySell = daySell;
        c.dayBuyValue = dayBuyValue;
        c.daySellValue = daySellValue;
        return c;
    }

    /** A new trading day: the feed's counters restart from zero, and so do the totals. */
    public void startDay(int newDay) {
        day = newDay;
        lastBuy = BigDecimal.ZERO;
        lastSell = BigDecimal.ZERO;
        lastBuyValue = BigDecimal.ZERO;
        lastSellValue = BigDecimal.ZERO;
        lastMillis = Long.MIN_VALUE;
        dayBuy = BigDecimal.ZERO;
        daySell = BigDecimal.ZERO;
        dayBuyValue = BigDecimal.ZERO;
        daySellValue = BigDecimal.ZERO;
    }
}
