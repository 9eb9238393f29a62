package io.marketbars.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The fault suite's market: all three feeds on one time line. Stock trades ({@link MarketTape},
 * 12 symbols) and futures trades ({@link FeedTape}) share the trades topic, index values and
 * foreign-flow snapshots have their own topics, all across midnight in Ho Chi Minh City, with
 * duplicates, late records within the lateness, too-late and malformed ones. {@link #publish}
 * sends it in arrival order, many times faster than real time, from a background thread, so a
 * test can inject its fault while records flow; {@link #awaitOracle} then compares the three
 * tables with the independent oracles and the dead-letter topic with the planted bad records.
 */
public final class FaultTape {
    public static final int TRADE_PARTITIONS = 4;
    public static final int INDEX_PARTITIONS = 1;
    public static final int FLOW_PARTITIONS = 2;
    /** FeedTape's late records arrive up to 100 s late: the allowed lateness must cover them. */
    public static final String ALLOWED_LATENESS = "3 min";

    public enum Feed {
        TRADES,
        INDEX,
        FLOW
    }

    /** One record as it is published: where it must land and what the job must make of it. */
    public record Published(Feed feed, int partition, long offset, byte[] key, byte[] value, long arrival, String deadLetter) {}

    /** The topics of one run. */
    public record Topics(String trades, String index, String flow, String deadLetters) {
        public String of(Feed feed) {
            return feed == Feed.TRADES ? trades : feed == Feed.INDEX ? index : flow;
        }

        /** Fresh topics on the shared broker: the tape's offsets hold only in new topics. */
        public static Topics create(String name) {
            return create(TestServices.kafka(), name);
        }

        /** Fresh topics on a broker of the test's own. */
        public static Topics create(EmbeddedKafka kafka, String name) {
            Topics t = new Topics(TestServices.unique(name + "_trades"), TestServices.unique(name + "_index"),
                    TestServices.unique(name + "_flow"), TestServices.unique(name + "_dlq"));
            kafka.createTopic(t.trades, TRADE_PARTITIONS);
            kafka.createTopic(t.index, INDEX_PARTITIONS);
            kafka.createTopic(t.flow, FLOW_PARTITIONS);
            kafka.createTopic(t.deadLetters, 1);
            return t;
        }
    }

    public final MarketTape stocks;
    public final FeedTape feeds;
    /** Every record, in the order it is published. */
    public final List<Published> records;

    private FaultTape(MarketTape stocks, FeedTape feeds, List<Published> records) {
        this.stocks = stocks;
        this.feeds = feeds;
        this.records = records;
    }

    /**
     * 14 minutes of market; the index pauses for 8 s around midnight, so the first futures
     * trades of the new day may find no index value of their day.
     */
    public static FaultTape generate(long seed) {
        MarketTape stocks = MarketTape.generate(seed, 12, FeedTape.MINUTES, 20, TRADE_PARTITIONS, 2_000L, 5 * 60_000L,
                FeedTape.START);
        FeedTape feeds = FeedTape.generate(seed + 1, Duration.ofSeconds(8));
        // Stock and futures trades share the trades topic: number them together, in arrival order.
        List<Object> trades = new ArrayList<>(stocks.records);
        trades.addAll(feeds.trades);
        trades.sort(Comparator.comparingLong(FaultTape::arrival).thenComparingLong(FaultTape::tsMicros));
        long[] next = new long[TRADE_PARTITIONS];
        List<Published> all = new ArrayList<>();
        for (Object o : trades) {
            if (o instanceof MarketTape.Entry e) {
                e.offset = next[e.partition]++;
                all.add(new Published(Feed.TRADES, e.partition, e.offset, e.key(), e.value, e.arrival, e.expectedReason));
            } else {
                FeedTape.Rec r = (FeedTape.Rec) o;
                r.offset = next[r.partition]++;
                all.add(published(Feed.TRADES, r));
            }
        }
        feeds.index.forEach(r -> all.add(published(Feed.INDEX, r)));
        feeds.flow.forEach(r -> all.add(published(Feed.FLOW, r)));
        all.sort(Comparator.comparingLong(Published::arrival));
        return new FaultTape(stocks, feeds, List.copyOf(all));
    }

    private static Published published(Feed feed, FeedTape.Rec r) {
        return new Published(feed, r.partition, r.offset, r.key(), r.value, r.arrival, r.expectedReason);
    }

    private static long arrival(Object o) {
        return o instanceof MarketTape.Entry e ? e.arrival : ((FeedTape.Rec) o).arrival;
    }

    private static long tsMicros(Object o) {
        return o instanceof MarketTape.Entry e ? e.tsMicros : ((FeedTape.Rec) o).tsMicros;
    }

    /** The job's options this tape needs besides where to read and write. */
    public static List<String> jobArgs(Topics topics) {
        return List.of("--trades-topic", topics.trades, "--index-topic", topics.index, "--foreign-flow-topic", topics.flow,
                "--dead-letter-topic", topics.deadLetters, "--futures", "VN30F*=VN30", "--futures-aliases", "VN30F1M=VN30F+1",
                "--exchange-time-zone", FeedTape.ZONE.getId(), "--allowed-lateness", ALLOWED_LATENESS);
    }

    // ---------------------------------------------------------------------------------------- the oracles

    /** {@code ohlcv_1m}: the stocks' bars and the futures contracts' (aliases resolved to their codes). */
    public List<String> ohlcvRows() {
        List<MarketTape.Entry> trades = new ArrayList<>(stocks.records);
        for (FeedTape.Rec r : feeds.trades) {
            MarketTape.Kind kind = r.kind == FeedTape.Kind.DUPLICATE ? MarketTape.Kind.DUPLICATE : MarketTape.Kind.TRADE;
            MarketTape.Entry e = new MarketTape.Entry(kind, r.fields[2], r.tsMicros, r.fields[0], r.fields[1], r.seq,
                    null, null, null, null, r.value);
            e.partition = r.partition;
            e.offset = r.offset;
            trades.add(e);
        }
        List<String> rows = new ArrayList<>(BarOracle.expectedRows(trades));
        rows.sort(null);
        return rows;
    }

    public List<String> basisRows() {
        return FeedOracle.basisRows(feeds);
    }

    public List<String> flowRows() {
        return FeedOracle.flowRows(feeds);
    }

    /** Each planted bad record as "topic partition/offset reason". */
    public Set<String> expectedDeadLetters(Topics topics) {
        Set<String> expected = new TreeSet<>();
        for (Published p : records) {
            if (p.deadLetter != null) {
                expected.add(topics.of(p.feed) + " " + p.partition + "/" + p.offset + " " + p.deadLetter);
            }
        }
        return expected;
    }

    /** What the job stored and dead-lettered, in the oracles' formats. */
    public record Outcome(List<String> ohlcv, List<String> basis, List<String> flow, Set<String> deadLetters) {
        static Outcome read(EmbeddedKafka kafka, String dbUrl, Topics topics) throws Exception {
            List<String> ohlcv = new ArrayList<>(BarRows.read(dbUrl));
            ohlcv.sort(null);
            return new Outcome(ohlcv, FeedOracle.read(dbUrl, "basis_1m"), FeedOracle.read(dbUrl, "foreign_flow_1m"),
                    DeadLetterTopic.whereAndWhy(kafka, topics.deadLetters));
        }
    }

    public Outcome expected(Topics topics) {
        return new Outcome(ohlcvRows(), basisRows(), flowRows(), expectedDeadLetters(topics));
    }

    /**
     * Waits until the tables and the dead-letter topic equal the oracles (or {@code patience} runs
     * out, or {@code running} says the job has ended), then asserts that they do, naming any row
     * missing, extra or changed. Returns the milliseconds it waited.
     */
    public long awaitOracle(String dbUrl, Topics topics, Duration patience, BooleanSupplier running) throws Exception {
        return awaitOracle(TestServices.kafka(), dbUrl, topics, patience, running);
    }

    /** The same, with the topics on a broker of the test's own. */
    public long awaitOracle(EmbeddedKafka kafka, String dbUrl, Topics topics, Duration patience, BooleanSupplier running)
            throws Exception {
        Outcome expected = expected(topics);
        long start = System.nanoTime();
        long deadline = start + patience.toNanos();
        Outcome stored = Outcome.read(kafka, dbUrl, topics);
        while (!stored.equals(expected) && System.nanoTime() < deadline) {
            assertThat(running.getAsBoolean()).as("the job is still running").isTrue();
            Thread.sleep(1_000);
            stored = Outcome.read(kafka, dbUrl, topics);
        }
        assertThat(stored.ohlcv).as("ohlcv_1m: no row missing, extra or different").containsExactlyElementsOf(expected.ohlcv);
        assertThat(stored.basis).as("basis_1m: no row missing, extra or different").containsExactlyElementsOf(expected.basis);
        assertThat(stored.flow).as("foreign_flow_1m: no row missing, extra or different")
                .containsExactlyElementsOf(expected.flow);
        assertThat(stored.deadLetters).as("exactly the planted bad records").isEqualTo(expected.deadLetters);
        return (System.nanoTime() - start) / 1_000_000L;
    }

    // ---------------------------------------------------------------------------------------- publishing

    /**
     * Starts publishing the tape in arrival order, its 14 minutes (and the stragglers after them)
     * compressed into {@code wall}, from a background thread. Every record must land at the offset
     * the tape gave it; a send waits for the broker, so a broker outage pauses the feed.
     */
    public Publisher publish(Topics topics, Properties producerProps, Duration wall) {
        return new Publisher(topics, producerProps, wall);
    }

    public final class Publisher implements AutoCloseable {
        private final AtomicInteger sent = new AtomicInteger();
        private final Thread thread;
        private volatile Throwable failure;
        private volatile boolean stopped;

        private Publisher(Topics topics, Properties producerProps, Duration wall) {
            long first = records.get(0).arrival;
            long span = Math.max(1, records.get(records.size() - 1).arrival - first);
            double nanosPerTapeMilli = (double) wall.toNanos() / span;
            thread = new Thread(() -> {
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps)) {
                    long started = System.nanoTime();
                    for (Published p : records) {
                        long wait = started + (long) ((p.arrival - first) * nanosPerTapeMilli) - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        }
                        if (stopped) {
                            return;
                        }
                        RecordMetadata md = producer.send(new ProducerRecord<>(topics.of(p.feed), p.partition, p.key, p.value)).get();
                        if (md.offset() != p.offset) {
                            throw new IllegalStateException(p.feed + " record landed at " + md.partition() + "/" + md.offset()
                                    + ", the tape says " + p.partition + "/" + p.offset);
                        }
                        sent.incrementAndGet();
                    }
                } catch (Throwable t) {
                    failure = t;
                }
            }, "fault-tape-" + topics.trades);
            thread.setDaemon(true);
            thread.start();
        }

        public int sent() {
            return sent.get();
        }

        /** The share of the tape sent so far, 0 to 1. */
        public double progress() {
            return (double) sent.get() / records.size();
        }

        /** Waits until every record is published. */
        public void await(Duration timeout) throws Exception {
            thread.join(timeout.toMillis());
            if (failure != null) {
                throw new IllegalStateException("Publishing failed after " + sent() + " records", failure);
            }
            if (thread.isAlive()) {
                throw new IllegalStateException("Still publishing after " + timeout + ": " + sent() + " of " + records.size());
            }
        }

        /** Waits until {@code share} of the tape is published. */
        public void awaitProgress(double share, Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (progress() < share) {
                if (failure != null || System.nanoTime() > deadline) {
                    throw new IllegalStateException("Published " + sent() + " of " + records.size(), failure);
                }
                Thread.sleep(100);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stopped = true;
            thread.join(10_000);
        }
    }
}
