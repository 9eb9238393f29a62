package io.marketbars.bench;

import io.marketbars.testing.EmbeddedKafka;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The benchmarks' ticks: a seeded random walk per symbol, round-robin over the symbols, symbol
 * {@code s} in partition {@code s % partitions}, event times spread evenly over a span with up to
 * 500 ms of jitter. Knows how many (symbol, minute) bars its ticks make, so every benchmark checks
 * its result against it.
 *
 * <p>{@link #exact} ticks are, per symbol, in time order (jitter never moves a tick before its
 * symbol's previous one) and inside the span, so the workloads have exactly {@code symbols x
 * minutes} bars and an arrival-order {@code FIRST_VALUE}/{@code LAST_VALUE} is the open and close
 * by (time, seq). {@link #loose} ticks keep the jitter as it falls (what the replay benchmark has
 * always produced).
 */
final class TickGenerator {
    /** What was produced: the tick count and the (symbol, minute) bars they make. */
    record Produced(long ticks, long bars) {
        /** Prints the bar and trade counts of {@code ohlcv_1m} and throws unless they are these. */
        void requireIn(String dbUrl) throws SQLException {
            try (Connection c = DriverManager.getConnection(dbUrl);
                    ResultSet rs =
                            c.createStatement().executeQuery("SELECT count(*), sum(trade_count) FROM ohlcv_1m")) {
                rs.next();
                long inBars = rs.getLong(1);
                long trades = rs.getLong(2);
                System.out.printf(
                        "Bars: %,d (expected %,d); trades in bars: %,d (expected %,d)%n", inBars, bars, trades, ticks);
                if (inBars != bars || trades != ticks) {
                    throw new IllegalStateException("benchmark result is wrong");
                }
            }
        }
    }

    private final boolean exact;

    private TickGenerator(boolean exact) {
        this.exact = exact;
    }

    static TickGenerator exact() {
        return new TickGenerator(true);
    }

    static TickGenerator loose() {
        return new TickGenerator(false);
    }

    Produced produce(
            EmbeddedKafka kafka, String topic, int ticks, int symbols, int partitions, long start, long spanMillis) {
        Properties props = kafka.producerProps();
        props.put("linger.ms", "20");
        props.put("batch.size", Integer.toString(512 * 1024));
        Random r = new Random(42);
        long[] cents = new long[symbols];
        long[] seq = new long[symbols];
        long[] lastTs = new long[symbols];
        for (int s = 0; s < symbols; s++) {
            cents[s] = 1_000 + r.nextInt(90_000);
        }
        Set<Long> bars = new HashSet<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            StringBuilder json = new StringBuilder(200);
            for (int i = 0; i < ticks; i++) {
                int s = i % symbols;
                long ts = start + (long) i * spanMillis / ticks + r.nextInt(500);
                if (exact) {
                    ts = Math.max(lastTs[s], Math.min(ts, start + spanMillis - 1));
                }
                lastTs[s] = ts;
                cents[s] = Math.max(100, cents[s] + r.nextInt(11) - 5);
                String symbol = "SYM" + s;
                json.setLength(0);
                json.append("{\"symbol\":\"")
                        .append(symbol)
                        .append("\",\"ts\":")
                        .append(ts)
                        .append(",\"price\":\"")
                        .append(BigDecimal.valueOf(cents[s], 2).toPlainString())
                        .append("\",\"qty\":")
                        .append(100 * (1 + r.nextInt(20)))
                        .append(",\"seq\":")
                        .append(++seq[s])
                        .append(",\"side\":\"")
                        .append(r.nextBoolean() ? 'B' : 'S')
                        .append("\"}");
                producer.send(new ProducerRecord<>(
                        topic,
                        s % partitions,
                        symbol.getBytes(StandardCharsets.UTF_8),
                        json.toString().getBytes(StandardCharsets.UTF_8)));
                bars.add((long) s * 1_000_000L + ts / 60_000L - start / 60_000L);
            }
            producer.flush();
        }
        return new Produced(ticks, bars.size());
    }
}
