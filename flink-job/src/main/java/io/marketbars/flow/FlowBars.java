package io.marketbars.flow;

import io.marketbars.common.Minutes;
import io.marketbars.functions.FlowBase;
import io.marketbars.records.FlowBar;
import io.marketbars.records.FlowSnapshot;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * Foreign-flow bars from cumulative-for-the-day snapshots, folded in event time. Pure: the same
 * base and snapshots always give the same bars, which is what makes late snapshots, replays and
 * restores come out identical.
 *
 * <p>The rules, per snapshot in time order:
 *
 * <ul>
 *   <li>The first snapshot of a trading day (exchange time zone) is measured from zero: the feed's
 *       counters restart every day.
 *   <li>Otherwise its flow is its counters minus the previous snapshot's.
 *   <li>If any counter moved backwards, the feed was reset (a reconnect to another server, a
 *       restarted counter): the snapshot adds no flow, is counted in {@code reset_count}, and
 *       becomes the base the next delta is measured from. Flow is never negative.
 *   <li>Values follow the same rules when the snapshot and its predecessor both carry them;
 *       otherwise the minute's values are unknown (null), and so are the day's value totals for
 *       the rest of that day.
 *   <li>The rate per minute counts the deltas of snapshots that have a same-day predecessor and are
 *       not themselves a reset, over the time from each one's predecessor to it:
 *       {@code delta x 60000 / span_ms}, half-even to 6 places.
 * </ul>
 */
public final class FlowBars {
    private static final BigDecimal MINUTE_MILLIS = BigDecimal.valueOf(Minutes.MILLIS);

    private FlowBars() {}

    /** Folds {@code snapshots} (time order) into {@code base} and returns one bar per minute that has any. */
    public static List<FlowBar> fold(String symbol, FlowBase base, FlowSnapshot[] snapshots, ZoneId zone) {
        List<FlowBar> bars = new ArrayList<>();
        Minute m = null;
        for (FlowSnapshot s : snapshots) {
            long bucket = Minutes.start(s.tsMillis());
            if (m == null || m.bar.bucketStartMillis != bucket) {
                if (m != null) {
                    bars.add(m.finish(base));
                }
                m = new Minute(symbol, bucket);
            }
            apply(base, s, zone, m);
        }
        if (m != null) {
            bars.add(m.finish(base));
        }
        return bars;
    }

    /** Moves {@code base} over one snapshot, adding its flow to {@code m} when given. */
    static void apply(FlowBase base, FlowSnapshot s, ZoneId zone, Minute m) {
        int day = tradingDay(s.tsMillis(), zone);
        if (day != base.day) {
            base.startDay(day);
        }
        boolean valuesKnown = s.hasValues() && base.lastBuyValue != null;
        boolean backwards = s.buyQty.compareTo(base.lastBuy) < 0
                || s.sellQty.compareTo(base.lastSell) < 0
                || valuesKnown
                        && (s.buyValue.compareTo(base.lastBuyValue) < 0
                                || s.sellValue.compareTo(base.lastSellValue) < 0);
        BigDecimal buy = backwards ? BigDecimal.ZERO : s.buyQty.subtract(base.lastBuy);
        BigDecimal sell = backwards ? BigDecimal.ZERO : s.sellQty.subtract(base.lastSell);
        BigDecimal buyValue = null;
        BigDecimal sellValue = null;
        if (valuesKnown) {
            buyValue = backwards ? BigDecimal.ZERO : s.buyValue.subtract(base.lastBuyValue);
            sellValue = backwards ? BigDecimal.ZERO : s.sellValue.subtract(base.lastSellValue);
        }
        boolean rated = !backwards && base.lastMillis != Long.MIN_VALUE;
        long span = rated ? s.tsMillis() - base.lastMillis : 0L;

        base.dayBuy = base.dayBuy.add(buy);
        base.daySell = base.daySell.add(sell);
        if (valuesKnown && base.dayBuyValue != null) {
            base.dayBuyValue = base.dayBuyValue.add(buyValue);
            base.daySellValue = base.daySellValue.add(sellValue);
        } else if (!valuesKnown) {
            base.dayBuyValue = null;
            base.daySellValue = null;
        }
        base.lastBuy = s.buyQty;
        base.lastSell = s.sellQty;
        base.lastBuyValue = s.hasValues() ? s.buyValue : null;
        base.lastSellValue = s.hasValues() ? s.sellValue : null;
        base.lastMillis = s.tsMillis();

        if (m != null) {
            m.add(s, day, buy, sell, buyValue, sellValue, backwards, rated, span);
        }
    }

    public static int tradingDay(long tsMillis, ZoneId zone) {
        return (int) Instant.ofEpochMilli(tsMillis).atZone(zone).toLocalDate().toEpochDay();
    }

    /** One minute's bar being built. */
    static final class Minute {
        final FlowBar bar = new FlowBar();
        boolean valuesUnknown;
        BigDecimal ratedBuy = BigDecimal.ZERO;
        BigDecimal ratedSell = BigDecimal.ZERO;

        Minute(String symbol, long bucket) {
            bar.symbol = symbol;
            bar.bucketStartMillis = bucket;
            bar.buyQty = BigDecimal.ZERO;
            bar.sellQty = BigDecimal.ZERO;
            bar.buyValue = BigDecimal.ZERO;
            bar.sellValue = BigDecimal.ZERO;
        }

        void add(
                FlowSnapshot s,
                int day,
                BigDecimal buy,
                BigDecimal sell,
                BigDecimal buyValue,
                BigDecimal sellValue,
                boolean reset,
                boolean rated,
                long span) {
            bar.tradingDay = day;
            bar.buyQty = bar.buyQty.add(buy);
            bar.sellQty = bar.sellQty.add(sell);
            if (buyValue == null) {
                valuesUnknown = true;
            } else {
                bar.buyValue = bar.buyValue.add(buyValue);
                bar.sellValue = bar.sellValue.add(sellValue);
            }
            if (rated) {
                ratedBuy = ratedBuy.add(buy);
                ratedSell = ratedSell.add(sell);
                bar.ratedSpanMillis += span;
            }
            bar.snapshotCount++;
            if (reset) {
                bar.resetCount++;
            }
            bar.lastSnapshotMicros = s.tsMicros;
        }

        FlowBar finish(FlowBase base) {
            bar.netQty = bar.buyQty.subtract(bar.sellQty);
            if (valuesUnknown) {
                bar.buyValue = null;
                bar.sellValue = null;
            } else {
                bar.netValue = bar.buyValue.subtract(bar.sellValue);
            }
            bar.dayBuyQty = base.dayBuy;
            bar.daySellQty = base.daySell;
            bar.dayBuyValue = base.dayBuyValue;
            bar.daySellValue = base.daySellValue;
            if (bar.ratedSpanMillis > 0) {
                BigDecimal span = BigDecimal.valueOf(bar.ratedSpanMillis);
                bar.buyQtyPerMin = perMinute(ratedBuy, span);
                bar.sellQtyPerMin = perMinute(ratedSell, span);
                bar.netQtyPerMin = perMinute(ratedBuy.subtract(ratedSell), span);
            }
            return bar;
        }

        private static BigDecimal perMinute(BigDecimal qty, BigDecimal spanMillis) {
            return qty.multiply(MINUTE_MILLIS).divide(spanMillis, FlowBar.RATE_SCALE, RoundingMode.HALF_EVEN);
        }
    }
}
