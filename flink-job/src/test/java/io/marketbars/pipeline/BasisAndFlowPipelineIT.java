package io.marketbars.pipeline;

import static io.marketbars.testing.DeadLetterTopic.header;
import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.BarsJob;
import io.marketbars.config.JobOptions;
import io.marketbars.records.BasisBar;
import io.marketbars.records.DeadLetter;
import io.marketbars.records.FlowBar;
import io.marketbars.records.FlowSnapshot;
import io.marketbars.records.IndexValue;
import io.marketbars.records.Tick;
import io.marketbars.sinks.DeadLetterSerializer;
import io.marketbars.sources.FeedDeserializer;
import io.marketbars.testing.DeadLetterTopic;
import io.marketbars.testing.FailOnceAfterCheckpoint;
import io.marketbars.testing.FeedOracle;
import io.marketbars.testing.FeedTape;
import io.marketbars.testing.FeedTape.Kind;
import io.marketbars.testing.FeedTape.Rec;
import io.marketbars.testing.TestServices;
import io.marketbars.testing.ThrottledUntilFailure;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * All three outputs from one job on a MiniCluster at parallelism 2, against a real Kafka broker and
 * a real PostgreSQL: every stored basis and foreign-flow row equals {@link FeedOracle}, every bad
 * record of the index and flow feeds is in the dead-letter topic, and a run with a failure injected
 * mid-stream ends with tables identical to a fault-free run at another parallelism.
 */
class BasisAndFlowPipelineIT {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static FeedTape tape;
    private static String tradesTopic;
    private static String indexTopic;
    private static String flowTopic;

    @BeforeAll
    static void publishTape() throws Exception {
        tape = FeedTape.generate(20241203L);
        tradesTopic = TestServices.unique("futures_trades");
        indexTopic = TestServices.unique("index_values");
        flowTopic = TestServices.unique("foreign_flow");
        TestServices.kafka().createTopic(tradesTopic, 2);
        TestServices.kafka().createTopic(indexTopic, 1);
        TestServices.kafka().createTopic(flowTopic, 2);
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(TestServices.kafka().producerProps())) {
            for (List<Rec> feed : List.of(tape.trades, tape.index, tape.flow)) {
                String topic = feed == tape.trades ? tradesTopic : feed == tape.index ? indexTopic : flowTopic;
                List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent =
                        new ArrayList<>();
                for (Rec r : feed) {
                    sent.add(producer.send(new ProducerRecord<>(topic, r.partition, r.key(), r.value)));
                }
                for (int i = 0; i < sent.size(); i++) {
                    assertThat(sent.get(i).get().offset())
                            .as("offset in %s", topic)
                            .isEqualTo(feed.get(i).offset);
                }
            }
        }
        for (Kind k : Kind.values()) {
            assertThat(tape.all().stream().filter(r -> r.kind == k))
                    .as("the tape has %s records", k)
                    .isNotEmpty();
        }
        assertThat(tape.trades.stream().filter(r -> r.symbol.equals("VN30F1M"))).isNotEmpty();
    }

    @Test
    void faultFreeRunMatchesTheOracleRowByRow() throws Exception {
        Run run = run(false, 2);
        List<String> basis = FeedOracle.basisRows(tape);
        List<String> flow = FeedOracle.flowRows(tape);
        assertThat(FeedOracle.read(run.dbUrl, "basis_1m")).containsExactlyElementsOf(basis);
        assertThat(FeedOracle.read(run.dbUrl, "foreign_flow_1m")).containsExactlyElementsOf(flow);
        // The tape's edge cases are really in the rows compared.
        assertThat(basis)
                .anySatisfy(r -> assertThat(r).contains("|null|null|null|null|").startsWith("VN30F2412"));
        assertThat(basis).anySatisfy(r -> assertThat(r.split("\\|")[12]).isNotEqualTo("0")); // unjoined trades
        assertThat(flow).anySatisfy(r -> assertThat(r.split("\\|")[18]).isNotEqualTo("0")); // feed resets
        assertThat(flow).extracting(r -> r.split("\\|")[2]).contains("2024-12-02", "2024-12-03");
        assertThat(deadLetters(run.deadLetterTopic)).containsExactlyElementsOf(expectedDeadLetters());
        org.slf4j.LoggerFactory.getLogger(BasisAndFlowPipelineIT.class)
                .info(
                        "Matched the oracle: {} basis rows ({} with unjoined trades), {} flow rows ({} with resets), {} dead letters; tape {}",
                        basis.size(),
                        basis.stream()
                                .filter(r -> !r.split("\\|")[12].equals("0"))
                                .count(),
                        flow.size(),
                        flow.stream()
                                .filter(r -> !r.split("\\|")[18].equals("0"))
                                .count(),
                        expectedDeadLetters().size(),
                        java.util.Arrays.stream(Kind.values())
                                .map(k -> k + "="
                                        + tape.all().stream()
                                                .filter(r -> r.kind == k)
                                                .count())
                                .collect(java.util.stream.Collectors.joining(", ")));
    }

    @Test
    void failureMidStreamEndsIdenticalToAFaultFreeRun() throws Exception {
        FailOnceAfterCheckpoint.arm();
        Run failed = run(true, 2);
        assertThat(FailOnceAfterCheckpoint.FAILED)
                .as("the injected failure happened")
                .isTrue();
        assertThat(FailOnceAfterCheckpoint.RESTORED)
                .as("the job restored from a checkpoint")
                .isTrue();
        // The fault-free run here is at parallelism 1: the rows must not depend on it either.
        Run clean = run(false, 1);

        for (String table : List.of("basis_1m", "foreign_flow_1m")) {
            assertThat(FeedOracle.read(failed.dbUrl, table))
                    .as(table)
                    .containsExactlyElementsOf(FeedOracle.read(clean.dbUrl, table));
        }
        assertThat(FeedOracle.read(failed.dbUrl, "basis_1m")).containsExactlyElementsOf(FeedOracle.basisRows(tape));
        assertThat(FeedOracle.read(failed.dbUrl, "foreign_flow_1m"))
                .containsExactlyElementsOf(FeedOracle.flowRows(tape));
        assertThat(deadLetters(failed.deadLetterTopic))
                .as("every dead letter exactly once")
                .containsExactlyElementsOf(expectedDeadLetters());
    }

    private record Run(String dbUrl, String deadLetterTopic) {}

    private Run run(boolean injectFailure, int parallelism) throws Exception {
        String dbUrl = TestServices.migratedDatabase("feeds");
        String dlq = TestServices.unique("dead_letters");
        TestServices.kafka().createTopic(dlq, 1);
        JobOptions options = JobOptions.fromArgs(
                new String[] {
                    "--mode",
                    "replay",
                    "--bootstrap-servers",
                    TestServices.kafka().bootstrapServers(),
                    "--trades-topic",
                    tradesTopic,
                    "--index-topic",
                    indexTopic,
                    "--foreign-flow-topic",
                    flowTopic,
                    "--futures",
                    "VN30F*=VN30",
                    "--futures-aliases",
                    "VN30F1M=VN30F+1",
                    "--exchange-time-zone",
                    FeedTape.ZONE.getId(),
                    "--dead-letter-topic",
                    dlq,
                    "--group-id",
                    TestServices.unique("group"),
                    "--db-url",
                    dbUrl,
                    "--db-user",
                    TestServices.postgres().user(),
                    "--allowed-lateness",
                    "3 min",
                    "--checkpoint-interval",
                    "200 ms",
                    "--checkpoint-dir",
                    java.nio.file.Files.createTempDirectory("it-checkpoints")
                            .toUri()
                            .toString(),
                    "--sink-batch-size",
                    "50",
                    "--parallelism",
                    Integer.toString(parallelism),
                },
                Map.of());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(jobConfiguration(options));
        BarsJob.configure(env, options);
        BarsPipeline.Sinks production = BarsJob.productionSinks(options);
        BarsPipeline.Sources sources = !injectFailure
                ? BarsJob.productionSources(options)
                : new BarsPipeline.Sources() {
                    @Override
                    public Source<Tick, ?, ?> trades() {
                        return BarsJob.tradesSource(options);
                    }

                    @Override
                    public Source<IndexValue, ?, ?> indexValues() {
                        return BarsJob.kafkaSource(
                                options,
                                indexTopic,
                                new ThrottledUntilFailure<>(
                                        FeedDeserializer.indexValues(options.maxFutureSkew.toMillis()),
                                        recordsPerMilliWhileArmed()));
                    }

                    @Override
                    public Source<FlowSnapshot, ?, ?> foreignFlow() {
                        return BarsJob.kafkaSource(
                                options,
                                flowTopic,
                                new ThrottledUntilFailure<>(
                                        FeedDeserializer.flowSnapshots(options.maxFutureSkew.toMillis()),
                                        recordsPerMilliWhileArmed()));
                    }
                };
        BarsPipeline.Sinks sinks = !injectFailure
                ? production
                : new BarsPipeline.Sinks() {
                    @Override
                    public void bars(DataStream<io.marketbars.records.Bar> bars) {
                        production.bars(bars);
                    }

                    @Override
                    public void basisBars(DataStream<BasisBar> bars) {
                        production.basisBars(bars);
                    }

                    @Override
                    public void flowBars(DataStream<FlowBar> bars) {
                        production.flowBars(bars.map(new FailOnceAfterCheckpoint<FlowBar>())
                                .uid("test-fail-once")
                                .name("Fail once"));
                    }

                    @Override
                    public void deadLetters(DataStream<DeadLetter> deadLetters) {
                        production.deadLetters(deadLetters);
                    }
                };
        BarsPipeline.define(env, sources, sinks, options);
        env.execute("it-" + dlq);
        return new Run(dbUrl, dlq);
    }

    /** Where each dead letter comes from and why, sorted; a repeated one would be there twice. */
    private static List<String> expectedDeadLetters() {
        List<String> expected = new ArrayList<>();
        for (Rec r : tape.all()) {
            if (r.kind == Kind.MALFORMED || r.kind == Kind.TOO_LATE) {
                expected.add(topicOf(r) + " " + r.partition + "/" + r.offset + " " + r.expectedReason);
            }
        }
        Collections.sort(expected);
        return expected;
    }

    private static String topicOf(Rec r) {
        return r.feed == FeedTape.Feed.TRADES ? tradesTopic : r.feed == FeedTape.Feed.INDEX ? indexTopic : flowTopic;
    }

    private static List<String> deadLetters(String topic) {
        List<String> seen = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : DeadLetterTopic.read(topic)) {
            assertThat(header(r, DeadLetterSerializer.DETAIL)).isNotBlank();
            seen.add(header(r, DeadLetterSerializer.TOPIC) + " " + header(r, DeadLetterSerializer.PARTITION) + "/"
                    + header(r, DeadLetterSerializer.OFFSET) + " " + header(r, DeadLetterSerializer.REASON));
        }
        Collections.sort(seen);
        return seen;
    }

    /** The Flink configuration the job runs with; a subclass runs the same tests on another state backend. */
    protected org.apache.flink.configuration.Configuration jobConfiguration(JobOptions options) {
        return BarsJob.configuration(options);
    }

    /** How fast the feeds run until the injected failure: slow enough for a checkpoint to complete first. */
    protected int recordsPerMilliWhileArmed() {
        return 2;
    }
}
