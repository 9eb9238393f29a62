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
    public record Published(
            Feed feed, int partition, long offset, byte[] key, byte[] value, long arrival, String deadLetter) {}

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
            Topics t = new Topics(
                    TestServices.unique(name + "_trades"),
                    TestServices.unique(name + "_index"),
                    TestServices.unique(name + "_flow"),
                    TestServices.unique(name + "_dlq"));
            kafka.createTopic(t.trades, TRADE_PARTITIONS);
            kafka.createTopic(t.index, INDEX_PARTITIONS);
            kafka.createTopic(t.flow, FLOW_PARTITIONS);
            kafka.createTopic(t.deadLetters, 1);
            return t;
        }
    }

    public final MarketTape stocks;
    public final FeedTape feeds;
    /** The extra stock trades of {@link #generate(long, int, int)}; empty for {@link #generate(long)}. */
    public final List<MarketTape.Entry> filler;
    /** Every record, in the order it is published. */
    public final List<Published> records;

    private FaultTape(MarketTape stocks, FeedTape feeds, List<MarketTape.Entry> filler, List<Published> records) {
        this.stocks = stocks;
        this.feeds = feeds;
        this.filler = filler;
        this.records = records;
    }

    /**
     * 14 minutes of market; the index pauses for 8 s around midnight, so the first futures
     * trades of the new day may find no index value of their day.
     */
    public static FaultTape generate(long seed) {
        return generate(seed, 0, 0);
    }

    /**
     * The same market (the same records for the same seed) plus a load of {@code fillerSymbols}
     * more stocks ({@code L0000}, {@code L0001}, ...) in the trades topic, each with
     * {@code ticksPerMinute} plain trades (explicit side, seq) in every minute of the tape, on time
     * within the out-of-orderness bound: every minute then closes that many more bars. For faults
     * that need volume, such as a slow sink that must back up to the source; the oracle covers
     * them like any other stock.
     */
    public static FaultTape generate(long seed, int fillerSymbols, int ticksPerMinute) {
        MarketTape stocks = MarketTape.generate(
                seed, 12, FeedTape.MINUTES, 20, TRADE_PARTITIONS, 2_000L, 5 * 60_000L, FeedTape.START);
        FeedTape feeds = FeedTape.generate(seed + 1, Duration.ofSeconds(8));
        // Stock and futures trades share the trades topic: number them together, in arrival order.
        List<Object> trades = new ArrayList<>(stocks.records);
        trades.addAll(feeds.trades);
        List<MarketTape.Entry> filler = filler(seed + 2, fillerSymbols, ticksPerMinute);
        trades.addAll(filler);
        trades.sort(Comparator.comparingLong(FaultTape::arrival).thenComparingLong(FaultTape::tsMicros));
        long[] next = new long[TRADE_PARTITIONS];
        List<Published> all = new ArrayList<>();
        for (Object o : trades) {
            if (o instanceof MarketTape.Entry e) {
                e.offset = next[e.partition]++;
                all.add(new Published(
                        Feed.TRADES, e.partition, e.offset, e.key(), e.value, e.arrival, e.expectedReason));
            } else {
                FeedTape.Rec r = (FeedTape.Rec) o;
                r.offset = next[r.partition]++;
                all.add(published(Feed.TRADES, r));
            }
        }
        feeds.index.forEach(r -> all.add(published(Feed.INDEX, r)));
        feeds.flow.forEach(r -> all.add(published(Feed.FLOW, r)));
        all.sort(Comparator.comparingLong(Published::arrival));
        return new FaultTape(stocks, feeds, List.copyOf(filler), List.copyOf(all));
    }

    private static List<MarketTape.Entry> filler(long seed, int symbols, int ticksPerMinute) {
        java.util.Random r = new java.util.Random(seed);
        long t0 = FeedTape.START.toEpochMilli();
        List<MarketTape.Entry> all = new ArrayList<>();
        for (int s = 0; s < symbols; s++) {
            String symbol = String.format("L%04d", s);
            long cents = 1000 + r.nextInt(9000);
            long seq = 0;
            for (int m = 0; m < FeedTape.MINUTES; m++) {
                for (int i = 0; i < ticksPerMinute; i++) {
                    long tsMillis = t0 + m * 60_000L + r.nextInt(60_000);
                    cents = Math.max(100, cents + r.nextInt(7) - 3);
                    MarketTape.Entry e = MarketTape.trade(
                            MarketTape.Kind.TRADE,
                            symbol,
                            tsMillis * 1000L,
                            java.math.BigDecimal.valueOf(cents, 2).toPlainString(),
                            Integer.toString(100 * (1 + r.nextInt(30))),
                            ++seq,
                            r.nextBoolean() ? "B" : "S",
                            null,
                            null);
                    e.partition = s % TRADE_PARTITIONS;
                    // Within MarketTape's out-of-orderness bound (2 s), as its ordinary trades.
                    e.arrival = tsMillis + r.nextInt(1_500);
                    all.add(e);
                }
            }
        }
        return all;
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
        return List.of(
                "--trades-topic",
                topics.trades,
                "--index-topic",
                topics.index,
                "--foreign-flow-topic",
                topics.flow,
                "--dead-letter-topic",
                topics.deadLetters,
                "--futures",
                "VN30F*=VN30",
                "--futures-aliases",
                "VN30F1M=VN30F+1",
                "--exchange-time-zone",
                FeedTape.ZONE.getId(),
                "--allowed-lateness",
                ALLOWED_LATENESS);
    }

    // ---------------------------------------------------------------------------------------- the oracles

    /** {@code ohlcv_1m}: the stocks' bars and the futures contracts' (aliases resolved to their codes). */
    public List<String> ohlcvRows() {
        List<MarketTape.Entry> trades = new ArrayList<>(stocks.records);
        trades.addAll(filler);
        for (FeedTape.Rec r : feeds.trades) {
            MarketTape.Kind kind =
                    r.kind == FeedTape.Kind.DUPLICATE ? MarketTape.Kind.DUPLICATE : MarketTape.Kind.TRADE;
            MarketTape.Entry e = new MarketTape.Entry(
                    kind, r.fields[2], r.tsMicros, r.fields[0], r.fields[1], r.seq, null, null, null, null, r.value);
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
            return new Outcome(
                    ohlcv,
                    FeedOracle.read(dbUrl, "basis_1m"),
                    FeedOracle.read(dbUrl, "foreign_flow_1m"),
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
    public long awaitOracle(
            EmbeddedKafka kafka, String dbUrl, Topics topics, Duration patience, BooleanSupplier running)
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
        assertThat(stored.ohlcv)
                .as("ohlcv_1m: no row missing, extra or different")
                .containsExactlyElementsOf(expected.ohlcv);
        assertThat(stored.basis)
                .as("basis_1m: no row missing, extra or different")
                .containsExactlyElementsOf(expected.basis);
        assertThat(stored.flow)
                .as("foreign_flow_1m: no row missing, extra or different")
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
        return new Publisher(topics, producerProps, wall, false);
    }

    /**
     * As {@link #publish}, but without waiting for each send before the next: the producer batches
     * what is due, so a tape with tens of thousands of filler trades keeps to its schedule. Every
     * record is still checked to land at the tape's offset ({@code max.in.flight.requests.per.connection=1}
     * keeps them in order); {@link Publisher#sent} counts the acknowledged ones.
     */
    public Publisher publishPipelined(Topics topics, Properties producerProps, Duration wall) {
        return new Publisher(topics, producerProps, wall, true);
    }

    public final class Publisher implements AutoCloseable {
        private final AtomicInteger sent = new AtomicInteger();
        private final Thread thread;
        private volatile Throwable failure;
        private volatile boolean stopped;

        private Publisher(Topics topics, Properties producerProps, Duration wall, boolean pipelined) {
            long first = records.get(0).arrival;
            long span = Math.max(1, records.get(records.size() - 1).arrival - first);
            double nanosPerTapeMilli = (double) wall.toNanos() / span;
            thread = new Thread(
                    () -> {
                        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps)) {
                            long started = System.nanoTime();
                            for (Published p : records) {
                                long wait =
                                        started + (long) ((p.arrival - first) * nanosPerTapeMilli) - System.nanoTime();
                                if (wait > 0) {
                                    TimeUnit.NANOSECONDS.sleep(wait);
                                }
                                if (stopped || failure != null) {
                                    return;
                                }
                                ProducerRecord<byte[], byte[]> record =
                                        new ProducerRecord<>(topics.of(p.feed), p.partition, p.key, p.value);
                                if (pipelined) {
                                    producer.send(record, (md, e) -> {
                                        if (e != null) {
                                            failure = e;
                                        } else if (md.offset() != p.offset) {
                                            failure = landedElsewhere(p, md);
                                        } else {
                                            sent.incrementAndGet();
                                        }
                                    });
                                    continue;
                                }
                                RecordMetadata md = producer.send(record).get();
                                if (md.offset() != p.offset) {
                                    throw landedElsewhere(p, md);
                                }
                                sent.incrementAndGet();
                            }
                            producer.flush();
                        } catch (Throwable t) {
                            failure = t;
                        }
                    },
                    "fault-tape-" + topics.trades);
            thread.setDaemon(true);
            thread.start();
        }

        private IllegalStateException landedElsewhere(Published p, RecordMetadata md) {
            return new IllegalStateException(p.feed + " record landed at " + md.partition() + "/" + md.offset()
                    + ", the tape says " + p.partition + "/" + p.offset);
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
                throw new IllegalStateException(
                        "Still publishing after " + timeout + ": " + sent() + " of " + records.size());
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
