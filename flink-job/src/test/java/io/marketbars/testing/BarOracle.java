package io.marketbars.testing;

import io.marketbars.testing.MarketTape.Entry;
import io.marketbars.testing.MarketTape.Kind;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The expected {@code ohlcv_1m} rows, computed straight from the tape's truth with none of the
 * job's code: group the accepted trades by symbol and minute, sort, and add up. Rows are rendered
 * as strings in the same shape {@link BarRows} reads them from the database, so a comparison
 * failure prints both sides readably.
 */
public final class BarOracle {
    private BarOracle() {}

    public static List<String> expectedRows(MarketTape tape) {
        return expectedRows(tape.records);
    }

    /** The rows for any records of the trades topic, each knowing its kind, partition and offset. */
    public static List<String> expectedRows(List<Entry> records) {
        Comparator<Entry> eventOrder = Comparator.<Entry>comparingLong(e -> e.tsMicros)
                .thenComparingLong(e -> e.seq == null ? Long.MIN_VALUE : e.seq)
                .thenComparingInt(e -> e.partition)
                .thenComparingLong(e -> e.offset);
        Map<String, List<Entry>> bySymbol = records.stream()
                .filter(e -> e.kind == Kind.TRADE || e.kind == Kind.LATE_ALLOWED)
                .collect(Collectors.groupingBy(e -> e.symbol, TreeMap::new, Collectors.toList()));
        List<String> rows = new ArrayList<>();
        for (Map.Entry<String, List<Entry>> symbol : bySymbol.entrySet()) {
            List<Entry> trades = new ArrayList<>(symbol.getValue());
            trades.sort(eventOrder);
            // Sides, in event order (the tick rule looks at the previous trade's price).
            Map<Entry, Integer> side = new java.util.IdentityHashMap<>();
            BigDecimal previous = null;
            int lastMove = 0;
            for (Entry e : trades) {
                BigDecimal p = new BigDecimal(e.price);
                int s;
                if (e.side != null) {
                    s = e.side.equals("B") ? 1 : -1;
                } else if (e.ask != null && p.compareTo(new BigDecimal(e.ask)) >= 0) {
                    s = 1;
                } else if (e.bid != null && p.compareTo(new BigDecimal(e.bid)) <= 0) {
                    s = -1;
                } else if (e.bid != null) {
                    BigDecimal mid =
                            new BigDecimal(e.bid).add(new BigDecimal(e.ask)).divide(BigDecimal.valueOf(2));
                    s = p.compareTo(mid);
                } else {
                    s = previous == null ? 0 : p.compareTo(previous) != 0 ? p.compareTo(previous) : lastMove;
                }
                if (previous != null && p.compareTo(previous) != 0) {
                    lastMove = p.compareTo(previous);
                }
                previous = p;
                side.put(e, s);
            }
            Map<Long, List<Entry>> byMinute = trades.stream()
                    .collect(Collectors.groupingBy(
                            e -> Math.floorDiv(e.tsMicros, 60_000_000L), TreeMap::new, Collectors.toList()));
            for (Map.Entry<Long, List<Entry>> minute : byMinute.entrySet()) {
                List<Entry> m = minute.getValue();
                BigDecimal volume = BigDecimal.ZERO;
                BigDecimal turnover = BigDecimal.ZERO;
                BigDecimal buy = BigDecimal.ZERO;
                BigDecimal sell = BigDecimal.ZERO;
                BigDecimal high = null;
                BigDecimal low = null;
                for (Entry e : m) {
                    BigDecimal p = new BigDecimal(e.price);
                    BigDecimal q = new BigDecimal(e.qty);
                    volume = volume.add(q);
                    turnover = turnover.add(p.multiply(q));
                    if (side.get(e) > 0) {
                        buy = buy.add(q);
                    } else if (side.get(e) < 0) {
                        sell = sell.add(q);
                    }
                    high = high == null || p.compareTo(high) > 0 ? p : high;
                    low = low == null || p.compareTo(low) < 0 ? p : low;
                }
                BigDecimal vwap = volume.signum() == 0 ? null : turnover.divide(volume, 10, RoundingMode.HALF_EVEN);
                rows.add(BarRows.render(
                        symbol.getKey(),
                        minute.getKey() * 60_000L,
                        m.get(0).price,
                        high.toPlainString(),
                        low.toPlainString(),
                        m.get(m.size() - 1).price,
                        volume,
                        turnover,
                        vwap,
                        m.size(),
                        buy,
                        sell,
                        m.get(0).tsMicros,
                        m.get(m.size() - 1).tsMicros));
            }
        }
        return rows;
    }
}
