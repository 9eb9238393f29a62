package io.marketbars.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.BarsJob;
import io.marketbars.config.JobOptions;
import io.marketbars.records.FlowSnapshot;
import io.marketbars.records.IndexValue;
import io.marketbars.records.Tick;
import io.marketbars.sources.FeedDeserializer;
import io.marketbars.sources.TickDeserializer;
import io.marketbars.testing.BarOracle;
import io.marketbars.testing.BarRows;
import io.marketbars.testing.DeadLetterTopic;
import io.marketbars.testing.FeedOracle;
import io.marketbars.testing.FeedTape;
import io.marketbars.testing.MarketTape;
import io.marketbars.testing.TestServices;
import io.marketbars.testing.Throttled;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fault suite, scenario 1: the job started in live mode, with every event-time option at its
 * production default (idle timeout 5 s), on a backlog already in Kafka. The reading is slowed so
 * that the backlog takes several idle timeouts to read: the job is slow, the feed is not, so no
 * record may be judged late for it. The tables must equal the independent oracles and the
 * dead-letter topic must hold exactly the bad records the tape planted; the last minutes close by
 * themselves once the partitions are read to their end and quiet.
 */
class LiveBacklogIT {
    private static final Logger LOG = LoggerFactory.getLogger(LiveBacklogIT.class);

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    /** A record every 2 ms per source subtask: the trades tape takes well over the idle timeout to read. */
    private static final Duration READ_PAUSE = Duration.ofMillis(2);
    /** The feeds tape is smaller: 15 ms a record makes its index values take about 10 s. */
    private static final Duration FEEDS_READ_PAUSE = Duration.ofMillis(15);

    /** Long enough for the backlog, then the idle timeout and a minute of following the clock. */
    private static final Duration PATIENCE = Duration.ofMinutes(4);

    @Test
    void liveStartOnATradesBacklogReadsItInEventTime() throws Exception {
        MarketTape tape = MarketTape.generate(20241204L, 24, 12, 24, 4, 2_000L, 10 * 60_000L);
        String trades = TestServices.unique("backlog_trades");
        TestServices.kafka().createTopic(trades, tape.partitions);
        publish(
                trades,
                tape.records.stream()
                        .map(e -> new Published(e.partition, e.offset, e.key(), e.value))
                        .toList());
        abortTicksAtTheEndOfEachPartition(trades, tape);
        String dlq = deadLetterTopic();
        String dbUrl = TestServices.migratedDatabase("backlog");
        JobOptions options = liveOptions(
                dbUrl, dlq, "--trades-topic", trades, "--index-topic", "none", "--foreign-flow-topic", "none");
        BarsPipeline.Sources sources = () -> BarsJob.tradesSource(
                options, new Throttled<>(new TickDeserializer(options.maxFutureSkew.toMillis()), READ_PAUSE));

        Set<String> expectedDeadLetters = new TreeSet<>();
        for (MarketTape.Entry e : tape.records) {
            if (e.kind == MarketTape.Kind.MALFORMED || e.kind == MarketTape.Kind.TOO_LATE) {
                expectedDeadLetters.add(trades + " " + e.partition + "/" + e.offset + " " + e.expectedReason);
            }
        }
        List<String> expectedBars = BarOracle.expectedRows(tape);
        long took = runUntil(options, sources, dlq, expectedDeadLetters, () -> BarRows.read(dbUrl), expectedBars);
        LOG.info(
                "Live start on a backlog of {} records in {} partitions: {} bars and {} dead letters as the oracle says, in {} ms",
                tape.records.size(),
                tape.partitions,
                expectedBars.size(),
                expectedDeadLetters.size(),
                took);
    }

    @Test
    void liveStartOnAFeedsBacklogReadsItInEventTime() throws Exception {
        FeedTape tape = FeedTape.generate(20241205L);
        String trades = TestServices.unique("backlog_futures");
        String index = TestServices.unique("backlog_index");
        String flow = TestServices.unique("backlog_flow");
        TestServices.kafka().createTopic(trades, 2);
        TestServices.kafka()
                .createTopic(index, 1); // one subtask has no index partition: it must not hold the basis back
        TestServices.kafka().createTopic(flow, 2);
        publish(trades, published(tape.trades));
        publish(index, published(tape.index));
        publish(flow, published(tape.flow));
        String dlq = deadLetterTopic();
        String dbUrl = TestServices.migratedDatabase("backlog_feeds");
        JobOptions options = liveOptions(
                dbUrl,
                dlq,
                "--trades-topic",
                trades,
                "--index-topic",
                index,
                "--foreign-flow-topic",
                flow,
                "--futures",
                "VN30F*=VN30",
                "--futures-aliases",
                "VN30F1M=VN30F+1",
                "--exchange-time-zone",
                FeedTape.ZONE.getId(),
                "--allowed-lateness",
                "3 min");
        long skew = options.maxFutureSkew.toMillis();
        BarsPipeline.Sources sources = new BarsPipeline.Sources() {
            @Override
            public Source<Tick, ?, ?> trades() {
                return BarsJob.tradesSource(options, new Throttled<>(new TickDeserializer(skew), FEEDS_READ_PAUSE));
            }

            @Override
            public Source<IndexValue, ?, ?> indexValues() {
                return BarsJob.kafkaSource(
                        options, index, new Throttled<>(FeedDeserializer.indexValues(skew), FEEDS_READ_PAUSE));
            }

            @Override
            public Source<FlowSnapshot, ?, ?> foreignFlow() {
                return BarsJob.kafkaSource(
                        options, flow, new Throttled<>(FeedDeserializer.flowSnapshots(skew), FEEDS_READ_PAUSE));
            }
        };
        Set<String> expectedDeadLetters = new TreeSet<>();
        for (FeedTape.Rec r : tape.all()) {
            if (r.kind == FeedTape.Kind.MALFORMED || r.kind == FeedTape.Kind.TOO_LATE) {
                String topic = r.feed == FeedTape.Feed.TRADES ? trades : r.feed == FeedTape.Feed.INDEX ? index : flow;
                expectedDeadLetters.add(topic + " " + r.partition + "/" + r.offset + " " + r.expectedReason);
            }
        }
        List<String> expected = new ArrayList<>(FeedOracle.basisRows(tape));
        expected.addAll(FeedOracle.flowRows(tape));
        long took = runUntil(
                options,
                sources,
                dlq,
                expectedDeadLetters,
                () -> {
                    List<String> rows = new ArrayList<>(FeedOracle.read(dbUrl, "basis_1m"));
                    rows.addAll(FeedOracle.read(dbUrl, "foreign_flow_1m"));
                    return rows;
                },
                expected);
        LOG.info(
                "Live start on a backlog of {} trades, {} index values and {} snapshots: {} basis and flow rows and {} dead letters"
                        + " as the oracles say, in {} ms",
                tape.trades.size(),
                tape.index.size(),
                tape.flow.size(),
                expected.size(),
                expectedDeadLetters.size(),
                took);
    }

    private record Published(int partition, long offset, byte[] key, byte[] value) {}

    private static List<Published> published(List<FeedTape.Rec> feed) {
        return feed.stream()
                .map(r -> new Published(r.partition, r.offset, r.key(), r.value))
                .toList();
    }

    private static void publish(String topic, List<Published> records) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(TestServices.kafka().producerProps())) {
            List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent =
                    new ArrayList<>();
            for (Published r : records) {
                sent.add(producer.send(new ProducerRecord<>(topic, r.partition, r.key, r.value)));
            }
            for (int i = 0; i < sent.size(); i++) {
                assertThat(sent.get(i).get().offset()).as("offset in %s", topic).isEqualTo(records.get(i).offset);
            }
        }
    }

    /**
     * Scenario 9 on the way: each partition ends with a producer transaction that was aborted,
     * holding ticks that would change bars of the tape if they were read. With the default
     * {@code read_committed} they never reach a bar, and the partition still counts as read to
     * its end although its last offsets hold only aborted records and a transaction marker.
     */
    private static void abortTicksAtTheEndOfEachPartition(String topic, MarketTape tape) {
        java.util.Properties props = TestServices.kafka().producerProps();
        props.put("transactional.id", TestServices.unique("aborted"));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            producer.initTransactions();
            producer.beginTransaction();
            Set<Integer> partitions = new TreeSet<>();
            for (MarketTape.Entry e : tape.records) {
                if (e.kind == MarketTape.Kind.TRADE && e.offset < 4) { // the first trades of each partition
                    partitions.add(e.partition);
                    String poison = "{\"symbol\":\"" + e.symbol + "\",\"ts\":" + (e.tsMicros / 1000 + 1)
                            + ",\"price\":\"99999.99\",\"qty\":1000000,\"seq\":999999999,\"side\":\"B\"}";
                    producer.send(new ProducerRecord<>(
                            topic, e.partition, e.key(), poison.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                }
            }
            producer.flush();
            producer.abortTransaction();
            assertThat(partitions)
                    .as("every partition ends with an aborted transaction")
                    .hasSize(tape.partitions);
        }
    }

    private static String deadLetterTopic() {
        String dlq = TestServices.unique("dead_letters");
        TestServices.kafka().createTopic(dlq, 1);
        return dlq;
    }

    /** Live mode with the production defaults; only where to read and write, and the parallelism. */
    private static JobOptions liveOptions(String dbUrl, String dlq, String... topics) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "--mode",
                "live",
                "--starting-offsets",
                "earliest",
                "--bootstrap-servers",
                TestServices.kafka().bootstrapServers(),
                "--dead-letter-topic",
                dlq,
                "--group-id",
                TestServices.unique("group"),
                "--db-url",
                dbUrl,
                "--db-user",
                TestServices.postgres().user(),
                "--checkpoint-dir",
                java.nio.file.Files.createTempDirectory("it-checkpoints")
                        .toUri()
                        .toString(),
                "--parallelism",
                "2"));
        args.addAll(List.of(topics));
        JobOptions options = JobOptions.fromArgs(args.toArray(String[]::new), Map.of());
        assertThat(options.idleTimeout).as("the production default").isEqualTo(Duration.ofSeconds(5));
        return options;
    }

    /**
     * Runs the live job until the rows equal the expected ones and the dead letters are exactly
     * the expected ones (or {@link #PATIENCE} runs out), then cancels it. Returns the time taken.
     */
    private static long runUntil(
            JobOptions options,
            BarsPipeline.Sources sources,
            String dlq,
            Set<String> expectedDeadLetters,
            Callable<List<String>> rows,
            List<String> expectedRows)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(BarsJob.configuration(options));
        BarsJob.configure(env, options);
        BarsPipeline.define(env, sources, BarsJob.productionSinks(options), options);
        long start = System.nanoTime();
        JobClient job = env.executeAsync("it-live-backlog-" + dlq);
        try {
            long deadline = start + PATIENCE.toNanos();
            List<String> stored = rows.call();
            Set<String> deadLetters = DeadLetterTopic.whereAndWhy(dlq);
            while ((!stored.equals(expectedRows) || !deadLetters.equals(expectedDeadLetters))
                    && System.nanoTime() < deadline) {
                assertThat(job.getJobStatus().get().isGloballyTerminalState())
                        .as("the live job is still running")
                        .isFalse();
                Thread.sleep(1_000);
                stored = rows.call();
                deadLetters = DeadLetterTopic.whereAndWhy(dlq);
            }
            assertThat(stored).as("no row missing, extra or different").containsExactlyElementsOf(expectedRows);
            assertThat(deadLetters).as("exactly the planted bad records").isEqualTo(expectedDeadLetters);
            return (System.nanoTime() - start) / 1_000_000L;
        } finally {
            job.cancel().get();
        }
    }
}
