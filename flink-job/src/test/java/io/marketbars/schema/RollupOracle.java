package io.marketbars.schema;

import io.marketbars.records.Bar;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The rollups computed in Java straight from the 1-minute bars, independently of the SQL: UTC-aligned buckets for
 * 5 m, 15 m and 1 h, exchange-local days for 1 d. Rows come out in the text form {@link #row} gives database rows.
 */
final class RollupOracle {
    private RollupOracle() {}

    /** Rows ordered by (symbol, bucket) for one interval ("1m", "5m", "15m", "1h", "1d"). */
    static List<String> rollup(Collection<Bar> minuteBars, String interval, ZoneId exchangeZone) {
        Function<Instant, Instant> bucketOf = bucketFunction(interval, exchangeZone);
        Map<String, List<Bar>> groups = new TreeMap<>();
        for (Bar b : minuteBars) {
            Instant bucket = bucketOf.apply(Instant.ofEpochMilli(b.bucketStartMillis));
            groups.computeIfAbsent(b.symbol + "|" + bucket.toEpochMilli(), k -> new ArrayList<>())
                    .add(b);
        }
        List<String> rows = new ArrayList<>();
        groups.values().stream()
                .sorted(Comparator.comparing((List<Bar> g) -> g.get(0).symbol)
                        .thenComparing(g -> bucketOf.apply(Instant.ofEpochMilli(g.get(0).bucketStartMillis))))
                .forEach(g -> rows.add(aggregate(g, bucketOf.apply(Instant.ofEpochMilli(g.get(0).bucketStartMillis)))));
        return rows;
    }

    private static String aggregate(List<Bar> group, Instant bucket) {
        group.sort(Comparator.comparingLong(b -> b.bucketStartMillis));
        Bar first = group.get(0);
        Bar last = group.get(group.size() - 1);
        BigDecimal high = first.high, low = first.low, volume = BigDecimal.ZERO, turnover = BigDecimal.ZERO;
        BigDecimal buy = BigDecimal.ZERO, sell = BigDecimal.ZERO;
        long trades = 0, firstTrade = Long.MAX_VALUE, lastTrade = Long.MIN_VALUE;
        for (Bar b : group) {
            high = high.max(b.high);
            low = low.min(b.low);
            volume = volume.add(b.volume);
            turnover = turnover.add(b.turnover);
            buy = buy.add(b.buyVolume);
            sell = sell.add(b.sellVolume);
            trades += b.tradeCount;
            firstTrade = Math.min(firstTrade, b.firstTradeMicros);
            lastTrade = Math.max(lastTrade, b.lastTradeMicros);
        }
        BigDecimal vwap = volume.signum() == 0 ? null : turnover.divide(volume, Bar.VWAP_SCALE, RoundingMode.HALF_EVEN);
        return row(
                first.symbol,
                bucket,
                first.open,
                high,
                low,
                last.close,
                volume,
                turnover,
                vwap == null ? null : vwap.toPlainString(),
                trades,
                buy,
                sell,
                micros(firstTrade),
                micros(lastTrade));
    }

    /** The text form of a bar row: numbers without trailing zeros, except vwap which must match to the digit. */
    static String row(
            String symbol,
            Instant bucket,
            BigDecimal open,
            BigDecimal high,
            BigDecimal low,
            BigDecimal close,
            BigDecimal volume,
            BigDecimal turnover,
            String vwap,
            long trades,
            BigDecimal buy,
            BigDecimal sell,
            Instant firstTrade,
            Instant lastTrade) {
        return String.join(
                " ",
                symbol,
                bucket.toString(),
                n(open),
                n(high),
                n(low),
                n(close),
                "v=" + n(volume),
                "t=" + n(turnover),
                "vwap=" + vwap,
                "n=" + trades,
                "b=" + n(buy),
                "s=" + n(sell),
                firstTrade.toString(),
                lastTrade.toString());
    }

    private static String n(BigDecimal d) {
        return d.stripTrailingZeros().toPlainString();
    }

    private static Instant micros(long epochMicros) {
        return Instant.ofEpochSecond(
                Math.floorDiv(epochMicros, 1_000_000L), Math.floorMod(epochMicros, 1_000_000L) * 1000L);
    }

    private static Function<Instant, Instant> bucketFunction(String interval, ZoneId zone) {
        switch (interval) {
            case "1m":
                return t -> floor(t, Duration.ofMinutes(1));
            case "5m":
                return t -> floor(t, Duration.ofMinutes(5));
            case "15m":
                return t -> floor(t, Duration.ofMinutes(15));
            case "1h":
                return t -> floor(t, Duration.ofHours(1));
            case "1d":
                return t -> t.atZone(zone).toLocalDate().atStartOfDay(zone).toInstant();
            default:
                throw new IllegalArgumentException(interval);
        }
    }

    private static Instant floor(Instant t, Duration width) {
        long ms = width.toMillis();
        return Instant.ofEpochMilli(Math.floorDiv(t.toEpochMilli(), ms) * ms);
    }
}
