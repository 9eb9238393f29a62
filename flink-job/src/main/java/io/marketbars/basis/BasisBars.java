package io.marketbars.basis;

import io.marketbars.common.Minutes;
import io.marketbars.common.SortedRecords;
import io.marketbars.records.BasisBar;
import io.marketbars.records.IndexValue;
import io.marketbars.records.Tick;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The basis bar of one futures contract and minute, computed from scratch from the trades and the
 * index values held for its underlying. Pure, so every version of a bar (on time, or after a late
 * trade or index value) is the same function of the same inputs, and a test can call it directly.
 *
 * <p>The as-of join: a trade at {@code t} takes the latest index value at or before {@code t}
 * (same instant counts) on the same trading day in the exchange time zone. A trade without one
 * (before the index's first value of the day) is counted as unjoined; a value from a previous
 * session is never used.
 */
public final class BasisBars {
    private static final BigDecimal TEN_THOUSAND = BigDecimal.valueOf(10_000);

    private BasisBars() {}

    /**
     * @param trades every held trade of the underlying, in {@link Tick#compareOrder} order
     * @param index every held index value, in time order, at most one per instant
     * @return the bar, or null when {@code contract} has no trade in the minute
     */
    public static BasisBar compute(
            String contract,
            String underlying,
            long bucketStartMillis,
            Tick[] trades,
            IndexValue[] index,
            FuturesContracts calendar) {
        BasisBar bar = null;
        for (Tick t : trades) {
            if (!t.symbol.equals(contract) || Minutes.start(t.tsMillis()) != bucketStartMillis) {
                continue;
            }
            if (bar == null) {
                bar = new BasisBar();
                bar.contract = contract;
                bar.underlying = underlying;
                bar.bucketStartMillis = bucketStartMillis;
                bar.firstTradeMicros = t.tsMicros;
            }
            bar.lastTradeMicros = t.tsMicros;
            bar.futuresClose = t.price;
            IndexValue asOf = asOf(t, index, calendar);
            if (asOf == null) {
                bar.unjoinedCount++;
                continue;
            }
            BigDecimal basis = t.price.subtract(asOf.value);
            if (bar.joinedCount++ == 0) {
                bar.basisOpen = basis;
                bar.basisHigh = basis;
                bar.basisLow = basis;
            } else {
                bar.basisHigh = bar.basisHigh.max(basis);
                bar.basisLow = bar.basisLow.min(basis);
            }
            bar.basisClose = basis;
            bar.indexClose = asOf.value;
            bar.indexCloseMicros = asOf.tsMicros;
        }
        if (bar != null && bar.joinedCount > 0) {
            bar.basisCloseBps = bar.basisClose
                    .multiply(TEN_THOUSAND)
                    .divide(bar.indexClose, BasisBar.BPS_SCALE, RoundingMode.HALF_EVEN);
        }
        return bar;
    }

    /** The latest index value at or before the trade on its trading day, or null. */
    static IndexValue asOf(Tick trade, IndexValue[] index, FuturesContracts calendar) {
        int i = SortedRecords.lastAtOrBefore(index, trade.tsMicros);
        if (i < 0) {
            return null;
        }
        IndexValue v = index[i];
        return calendar.tradingDay(v.tsMillis()) == calendar.tradingDay(trade.tsMillis()) ? v : null;
    }
}
