package io.marketbars.bench;

import io.marketbars.records.Bar;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.postgresql.PGConnection;

/**
 * The single-thread baseline: one KafkaConsumer reads the topic from its beginning, Jackson parses
 * each tick, a HashMap aggregates exact-decimal OHLCV bars per (symbol, minute) with open and close
 * by (time, seq), and COPY writes the bars into {@code ohlcv_1m}: the same rows as the job. It
 * leaves out what the job is for: no exactly-once, no checkpoints, no late data or watermarks (it
 * writes once, after the whole topic), no validation, no dead letters, no deduplication.
 */
final class SingleThreadBaseline {
    private record Key(String symbol, long minute) {}

    private static final class Agg {
        BigDecimal open;
        BigDecimal high;
        BigDecimal low;
        BigDecimal close;
        BigDecimal volume = BigDecimal.ZERO;
        BigDecimal turnover = BigDecimal.ZERO;
        BigDecimal buy = BigDecimal.ZERO;
        BigDecimal sell = BigDecimal.ZERO;
        long count;
        long firstTs = Long.MAX_VALUE;
        long firstSeq;
        long lastTs = Long.MIN_VALUE;
        long lastSeq;
    }

    private SingleThreadBaseline() {}

    /** Reads, aggregates and writes; returns the number of bars written. */
    static long run(String bootstrapServers, String topic, String dbUrl) throws Exception {
        Map<Key, Agg> bars = new HashMap<>();
        PlainTicks.Fields f = new PlainTicks.Fields();
        PlainTicks.scan(bootstrapServers, topic, value -> {
            PlainTicks.parse(value, f, true);
            Agg a = bars.computeIfAbsent(new Key(f.symbol, Math.floorDiv(f.ts, 60_000L)), k -> new Agg());
            BigDecimal qty = BigDecimal.valueOf(f.qty);
            if (a.count == 0 || f.price.compareTo(a.high) > 0) {
                a.high = f.price;
            }
            if (a.count == 0 || f.price.compareTo(a.low) < 0) {
                a.low = f.price;
            }
            if (f.ts < a.firstTs || (f.ts == a.firstTs && f.seq < a.firstSeq)) {
                a.open = f.price;
                a.firstTs = f.ts;
                a.firstSeq = f.seq;
            }
            if (f.ts > a.lastTs || (f.ts == a.lastTs && f.seq > a.lastSeq)) {
                a.close = f.price;
                a.lastTs = f.ts;
                a.lastSeq = f.seq;
            }
            a.volume = a.volume.add(qty);
            a.turnover = a.turnover.add(f.price.multiply(qty));
            if (f.buy) {
                a.buy = a.buy.add(qty);
            } else {
                a.sell = a.sell.add(qty);
            }
            a.count++;
        });
        StringBuilder csv = new StringBuilder(bars.size() * 160);
        for (Map.Entry<Key, Agg> e : bars.entrySet()) {
            Agg a = e.getValue();
            BigDecimal vwap = a.turnover.divide(a.volume, Bar.VWAP_SCALE, RoundingMode.HALF_EVEN);
            csv.append(e.getKey().symbol())
                    .append(',')
                    .append(Instant.ofEpochMilli(e.getKey().minute() * 60_000L))
                    .append(',')
                    .append(a.open.toPlainString())
                    .append(',')
                    .append(a.high.toPlainString())
                    .append(',')
                    .append(a.low.toPlainString())
                    .append(',')
                    .append(a.close.toPlainString())
                    .append(',')
                    .append(a.volume.toPlainString())
                    .append(',')
                    .append(a.turnover.toPlainString())
                    .append(',')
                    .append(vwap.toPlainString())
                    .append(',')
                    .append(a.count)
                    .append(',')
                    .append(a.buy.toPlainString())
                    .append(',')
                    .append(a.sell.toPlainString())
                    .append(',')
                    .append(Instant.ofEpochMilli(a.firstTs))
                    .append(',')
                    .append(Instant.ofEpochMilli(a.lastTs))
                    .append('\n');
        }
        try (Connection c = DriverManager.getConnection(dbUrl)) {
            c.unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyIn(
                            "COPY ohlcv_1m (symbol, bucket, open, high, low, close, volume, turnover, vwap,"
                                    + " trade_count, buy_volume, sell_volume, first_trade_at, last_trade_at)"
                                    + " FROM STDIN (FORMAT csv)",
                            new StringReader(csv.toString()));
        }
        return bars.size();
    }
}
