package io.marketbars.ohlcv;

import io.marketbars.records.Tick;
import java.math.BigDecimal;

/**
 * Decides whether a trade was buyer- or seller-initiated: the feed's explicit side first; else the
 * quote rule (at or above the ask is a buy, at or below the bid a sell, otherwise the side of the
 * midpoint); else the tick rule (above the previous trade's price is a buy, below a sell, equal
 * takes the direction of the last price change).
 */
public final class SideClassifier {
    private SideClassifier() {}

    /** Explicit side or quote rule; {@link Tick#SIDE_UNKNOWN} when neither decides. */
    public static byte sideOrQuoteRule(Tick t) {
        if (t.side != Tick.SIDE_UNKNOWN) {
            return t.side;
        }
        if (t.ask != null && t.price.compareTo(t.ask) >= 0) {
            return Tick.SIDE_BUY;
        }
        if (t.bid != null && t.price.compareTo(t.bid) <= 0) {
            return Tick.SIDE_SELL;
        }
        if (t.bid != null && t.ask != null) {
            // Compare 2 x price with bid + ask: the midpoint without a division.
            int c = t.price.add(t.price).compareTo(t.bid.add(t.ask));
            return c > 0 ? Tick.SIDE_BUY : c < 0 ? Tick.SIDE_SELL : Tick.SIDE_UNKNOWN;
        }
        return Tick.SIDE_UNKNOWN;
    }

    /**
     * Direction of a price change: {@link Tick#SIDE_BUY} for an uptick, {@link Tick#SIDE_SELL} for
     * a downtick, {@code lastMove} for a zero tick, unknown without a previous price.
     */
    public static byte tickRule(BigDecimal price, BigDecimal previousPrice, byte lastMove) {
        if (previousPrice == null) {
            return Tick.SIDE_UNKNOWN;
        }
        int c = price.compareTo(previousPrice);
        return c > 0 ? Tick.SIDE_BUY : c < 0 ? Tick.SIDE_SELL : lastMove;
    }
}
