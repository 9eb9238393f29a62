package io.marketbars.pipeline;

import static io.marketbars.testing.DeadLetterTopic.header;
import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.BarsJob;
import io.marketbars.config.JobOptions;
import io.marketbars.records.Bar;
import io.marketbars.records.DeadLetter;
import io.marketbars.sinks.DeadLetterSerializer;
import io.marketbars.sources.TickDeserializer;
import io.marketbars.testing.BarOracle;
import io.marketbars.testing.BarRows;
import io.marketbars.testing.DeadLetterTopic;
import io.marketbars.testing.FailOnceAfterCheckpoint;
import io.marketbars.testing.MarketTape;
import io.marketbars.testing.MarketTape.Entry;
import io.marketbars.testing.MarketTape.Kind;
import io.marketbars.testing.TestServices;
import io.marketbars.testing.ThrottledUntilFailure;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
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
 * The whole job on a MiniCluster at parallelism 2 against a real Kafka broker and a real
 * PostgreSQL, checked row by row against {@link BarOracle}: ticks shuffled within the
 * out-of-orderness bound, with duplicates, late, too-late and malformed records mixed in.
 */
class OhlcvPipelineIT {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static MarketTape tape;
    private static String tradesTopic;

    @BeforeAll
    static void publishTape() throws Exception {
        tape = MarketTape.generate(20241202L, 40, 20, 24, 4, 2_000L, 15 * 60_000L);
        tradesTopic = TestServices.unique("trades");
        TestServices.kafka().createTopic(tradesTopic, tape.partitions);
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(TestServices.kafka().producerProps())) {
            List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent =
                    new ArrayList<>();
            for (Entry e : tape.records) {
                sent.add(producer.send(new ProducerRecord<>(tradesTopic, e.partition, e.key(), e.value)));
            }
            for (int i = 0; i < sent.size(); i++) {
                assertThat(sent.get(i).get().offset())
                        .as("offset of record %d", i)
                        .isEqualTo(tape.records.get(i).offset);
            }
        }
        assertThat(tape.count(Kind.DUPLICATE)).isPositive();
        assertThat(tape.count(Kind.LATE_ALLOWED)).isPositive();
        assertThat(tape.count(Kind.TOO_LATE)).isPositive();
        assertThat(tape.count(Kind.MALFORMED)).isPositive();
    }

    @Test
    void faultFreeReplayMatchesTheOracleAndDeadLettersEveryRejectedRecord() throws Exception {
        Run run = replay(false);
        assertThat(BarRows.read(run.dbUrl)).containsExactlyElementsOf(BarOracle.expectedRows(tape));
        assertThat(deadLetters(run.deadLetterTopic)).containsExactlyElementsOf(expectedDeadLetters());
    }

    /**
     * The failure comes on the dead-letter path, after a dead letter went to the sink since the
     * last checkpoint: the restored job writes it again, so an at-least-once sink would leave it
     * twice in the topic. With transactions it is there once, and so is every other.
     */
    @Test
    void failureMidStreamRecoversFromCheckpointToTheSameRowsAsAFaultFreeRun() throws Exception {
        FailOnceAfterCheckpoint.arm();
        Run failed = replay(true);
        assertThat(FailOnceAfterCheckpoint.FAILED)
                .as("the injected failure happened")
                .isTrue();
        assertThat(FailOnceAfterCheckpoint.RESTORED)
                .as("the job restored from a checkpoint")
                .isTrue();
        Run clean = replay(false);

        List<String> afterFailure = rawRows(failed.dbUrl);
        assertThat(afterFailure)
                .as("no row missing, extra or different")
                .containsExactlyElementsOf(rawRows(clean.dbUrl));
        assertThat(BarRows.read(failed.dbUrl)).containsExactlyElementsOf(BarOracle.expectedRows(tape));
        assertThat(deadLetters(failed.deadLetterTopic))
                .as("every dead letter exactly once")
                .containsExactlyElementsOf(expectedDeadLetters());
    }

    private record Run(String dbUrl, String deadLetterTopic) {}

    private Run replay(boolean injectFailure) throws Exception {
        String dbUrl = TestServices.migratedDatabase("bars");
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
                    "--dead-letter-topic",
                    dlq,
                    "--group-id",
                    TestServices.unique("group"),
                    "--db-url",
                    dbUrl,
                    "--db-user",
                    TestServices.postgres().user(),
                    "--out-of-orderness",
                    "2 s",
                    "--allowed-lateness",
                    "1 min",
                    "--checkpoint-interval",
                    "200 ms",
                    "--checkpoint-dir",
                    java.nio.file.Files.createTempDirectory("it-checkpoints")
                            .toUri()
                            .toString(),
                    "--sink-batch-size",
                    "100",
                    "--parallelism",
                    "2",
                },
                Map.of());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(jobConfiguration(options));
        BarsJob.configure(env, options);
        BarsPipeline.Sinks production = BarsJob.productionSinks(options);
        BarsPipeline.Sinks sinks = !injectFailure
                ? production
                : new BarsPipeline.Sinks() {
                    @Override
                    public void bars(DataStream<Bar> bars) {
                        production.bars(bars);
                    }

                    @Override
                    public void deadLetters(DataStream<DeadLetter> deadLetters) {
                        production.deadLetters(deadLetters
                                .map(new FailOnceAfterCheckpoint<DeadLetter>(1))
                                .uid("test-fail-once")
                                .name("Fail once"));
                    }
                };
        BarsPipeline.define(
                env,
                () -> injectFailure
                        ? BarsJob.tradesSource(
                                options,
                                new ThrottledUntilFailure<>(new TickDeserializer(options.maxFutureSkew.toMillis()), 20))
                        : BarsJob.tradesSource(options),
                sinks,
                options);
        env.execute("it-" + dlq);
        return new Run(dbUrl, dlq);
    }

    /** Where each dead letter comes from and why, sorted; a repeated one would be there twice. */
    private static List<String> expectedDeadLetters() {
        List<String> expected = new ArrayList<>();
        for (Entry e : tape.records) {
            if (e.kind == Kind.MALFORMED || e.kind == Kind.TOO_LATE) {
                expected.add(e.partition + "/" + e.offset + " " + e.expectedReason);
            }
        }
        Collections.sort(expected);
        return expected;
    }

    private static List<String> deadLetters(String topic) {
        List<String> seen = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : DeadLetterTopic.read(topic)) {
            assertThat(header(r, DeadLetterSerializer.TOPIC)).isEqualTo(tradesTopic);
            assertThat(header(r, DeadLetterSerializer.DETAIL)).isNotBlank();
            String where = header(r, DeadLetterSerializer.PARTITION) + "/" + header(r, DeadLetterSerializer.OFFSET);
            seen.add(where + " " + header(r, DeadLetterSerializer.REASON));
            Entry original = tape.records.stream()
                    .filter(e -> (e.partition + "/" + e.offset).equals(where))
                    .findFirst()
                    .orElseThrow();
            if (original.kind == Kind.MALFORMED) {
                assertThat(r.value()).as("original bytes kept").isEqualTo(original.value);
            }
        }
        Collections.sort(seen);
        return seen;
    }

    /** Every column's stored text, to prove two runs left byte-identical tables. */
    private static List<String> rawRows(String url) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url);
                ResultSet rs =
                        c.createStatement().executeQuery("SELECT t::text FROM ohlcv_1m t ORDER BY symbol, bucket")) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }

    /** The Flink configuration the job runs with; a subclass runs the same tests on another state backend. */
    protected org.apache.flink.configuration.Configuration jobConfiguration(JobOptions options) {
        return BarsJob.configuration(options);
    }
}
