package io.marketbars.schema;

import io.marketbars.records.Bar;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Deterministic, internally consistent 1-minute bars (the shape the job writes), for rollup tests. */
final class MinuteBars {
    private MinuteBars() {}

    /** One bar per symbol and minute in [from, to), skipping about one minute in five, and minutes in {@code skip}. */
    static List<Bar> generate(long seed, List<String> symbols, Instant from, Instant to, List<Instant> skip) {
        Random r = new Random(seed);
        List<Bar> bars = new ArrayList<>();
        for (String symbol : symbols) {
            BigDecimal last = new BigDecimal("25.00");
            for (Instant t = from; t.isBefore(to); t = t.plusSeconds(60)) {
                if (r.nextInt(5) == 0 || skip.contains(t)) {
                    continue;
                }
                last = last.add(BigDecimal.valueOf(r.nextInt(41) - 20, 2)).max(new BigDecimal("1.00"));
                bars.add(bar(r, symbol, t, last));
            }
        }
        return bars;
    }

    static Bar bar(Random r, String symbol, Instant minute, BigDecimal open) {
        Bar b = new Bar();
        b.symbol = symbol;
        b.bucketStartMillis = minute.toEpochMilli();
        b.open = open;
        b.close = open.add(BigDecimal.valueOf(r.nextInt(21) - 10, 2)).max(new BigDecimal("0.50"));
        b.high = b.open.max(b.close).add(BigDecimal.valueOf(r.nextInt(15), 3));
        b.low = b.open.min(b.close).subtract(BigDecimal.valueOf(r.nextInt(15), 3));
        b.tradeCount = 1 + r.nextInt(60);
        // Half units and odd volumes make the rolled-up VWAP need its 10 rounded places.
        b.volume = BigDecimal.valueOf(1 + r.nextInt(20_000), r.nextInt(3) == 0 ? 1 : 0);
        BigDecimal price = b.low.add(b.high.subtract(b.low).multiply(BigDecimal.valueOf(r.nextInt(1000), 3)))
                .setScale(4, RoundingMode.DOWN);
        b.turnover = b.volume.multiply(price);
        b.vwap = b.turnover.divide(b.volume, Bar.VWAP_SCALE, RoundingMode.HALF_EVEN);
        b.buyVolume = b.volume.multiply(BigDecimal.valueOf(r.nextInt(50), 2));
        b.sellVolume = b.volume.multiply(BigDecimal.valueOf(r.nextInt(50), 2));
        long start = b.bucketStartMillis * 1000;
        b.firstTradeMicros = start + r.nextInt(20_000_000);
        b.lastTradeMicros = b.firstTradeMicros + r.nextInt(39_000_000);
        return b;
    }
}
