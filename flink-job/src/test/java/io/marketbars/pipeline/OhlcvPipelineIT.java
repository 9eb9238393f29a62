package io.marketbars.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.BarsJob;
import io.marketbars.config.JobOptions;
import io.marketbars.records.Bar;
import io.marketbars.records.DeadLetter;
import io.marketbars.records.Tick;
import io.marketbars.sources.TickDeserializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import io.marketbars.sinks.DeadLetterSerializer;
import io.marketbars.testing.BarOracle;
import io.marketbars.testing.BarRows;
import io.marketbars.testing.MarketTape;
import io.marketbars.testing.MarketTape.Entry;
import io.marketbars.testing.MarketTape.Kind;
import io.marketbars.testing.TestServices;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
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
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(TestServices.kafka().producerProps())) {
            List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent = new ArrayList<>();
            for (Entry e : tape.records) {
                sent.add(producer.send(new ProducerRecord<>(tradesTopic, e.partition, e.key(), e.value)));
            }
            for (int i = 0; i < sent.size(); i++) {
                assertThat(sent.get(i).get().offset()).as("offset of record %d", i).isEqualTo(tape.records.get(i).offset);
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
        assertThat(deadLetters(run.deadLetterTopic)).isEqualTo(expectedDeadLetters());
    }

    @Test
    void failureMidStreamRecoversFromCheckpointToTheSameRowsAsAFaultFreeRun() throws Exception {
        FailOnceAfterCheckpoint.reset();
        Run failed = replay(true);
        assertThat(FailOnceAfterCheckpoint.FAILED).as("the injected failure happened").isTrue();
        assertThat(FailOnceAfterCheckpoint.RESTORED).as("the job restored from a checkpoint").isTrue();
        Run clean = replay(false);

        List<String> afterFailure = rawRows(failed.dbUrl);
        assertThat(afterFailure).as("no row missing, extra or different").containsExactlyElementsOf(rawRows(clean.dbUrl));
        assertThat(BarRows.read(failed.dbUrl)).containsExactlyElementsOf(BarOracle.expectedRows(tape));
        // At-least-once to Kafka: a replay may repeat a dead letter, but none is lost.
        assertThat(deadLetters(failed.deadLetterTopic)).isEqualTo(expectedDeadLetters());
    }

    private record Run(String dbUrl, String deadLetterTopic) {}

    private Run replay(boolean injectFailure) throws Exception {
        String dbUrl = TestServices.migratedDatabase("bars");
        String dlq = TestServices.unique("dead_letters");
        TestServices.kafka().createTopic(dlq, 1);
        JobOptions options = JobOptions.fromArgs(new String[] {
            "--mode", "replay",
            "--bootstrap-servers", TestServices.kafka().bootstrapServers(),
            "--trades-topic", tradesTopic,
            "--dead-letter-topic", dlq,
            "--group-id", TestServices.unique("group"),
            "--db-url", dbUrl,
            "--db-user", TestServices.postgres().user(),
            "--out-of-orderness", "2 s",
            "--allowed-lateness", "1 min",
            "--checkpoint-interval", "200 ms",
            "--checkpoint-dir", java.nio.file.Files.createTempDirectory("it-checkpoints").toUri().toString(),
            "--sink-batch-size", "100",
            "--parallelism", "2",
        }, Map.of());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(BarsJob.configuration(options));
        BarsJob.configure(env, options);
        BarsPipeline.Sinks production = BarsJob.productionSinks(options);
        BarsPipeline.Sinks sinks = !injectFailure ? production : new BarsPipeline.Sinks() {
            @Override
            public void bars(DataStream<Bar> bars) {
                production.bars(bars.map(new FailOnceAfterCheckpoint()).uid("test-fail-once").name("Fail once"));
            }

            @Override
            public void deadLetters(DataStream<DeadLetter> deadLetters) {
                production.deadLetters(deadLetters);
            }
        };
        BarsPipeline.define(env, () -> injectFailure
                ? BarsJob.tradesSource(options, new ThrottledUntilFailure(new TickDeserializer(options.maxFutureSkew.toMillis())))
                : BarsJob.tradesSource(options), sinks, options);
        env.execute("it-" + dlq);
        return new Run(dbUrl, dlq);
    }

    private static Set<String> expectedDeadLetters() {
        Set<String> expected = new TreeSet<>();
        for (Entry e : tape.records) {
            if (e.kind == Kind.MALFORMED || e.kind == Kind.TOO_LATE) {
                expected.add(e.partition + "/" + e.offset + " " + e.expectedReason);
            }
        }
        return expected;
    }

    private static Set<String> deadLetters(String topic) {
        Set<String> seen = new TreeSet<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(TestServices.kafka().consumerProps(TestServices.unique("dlq")))) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            while (consumer.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    assertThat(header(r, DeadLetterSerializer.TOPIC)).isEqualTo(tradesTopic);
                    assertThat(header(r, DeadLetterSerializer.DETAIL)).isNotBlank();
                    String where = header(r, DeadLetterSerializer.PARTITION) + "/" + header(r, DeadLetterSerializer.OFFSET);
                    seen.add(where + " " + header(r, DeadLetterSerializer.REASON));
                    Entry original = tape.records.stream()
                            .filter(e -> (e.partition + "/" + e.offset).equals(where)).findFirst().orElseThrow();
                    if (original.kind == Kind.MALFORMED) {
                        assertThat(r.value()).as("original bytes kept").isEqualTo(original.value);
                    }
                }
            }
        }
        return seen;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** Every column's stored text, to prove two runs left byte-identical tables. */
    private static List<String> rawRows(String url) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url);
                ResultSet rs = c.createStatement().executeQuery("SELECT t::text FROM ohlcv_1m t ORDER BY symbol, bucket")) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }

    /**
     * Slows the source down while a failure is armed, so that checkpoints complete while ticks
     * are still flowing and the failure really happens mid-stream (a fast replay can otherwise
     * end before the first checkpoint).
     */
    static final class ThrottledUntilFailure implements KafkaRecordDeserializationSchema<Tick> {
        private static final long serialVersionUID = 1L;
        private final KafkaRecordDeserializationSchema<Tick> delegate;
        private transient long records;

        ThrottledUntilFailure(KafkaRecordDeserializationSchema<Tick> delegate) {
            this.delegate = delegate;
        }

        @Override
        public void open(org.apache.flink.api.common.serialization.DeserializationSchema.InitializationContext context)
                throws Exception {
            delegate.open(context);
        }

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, org.apache.flink.util.Collector<Tick> out)
                throws java.io.IOException {
            if (FailOnceAfterCheckpoint.ARMED.get() && ++records % 20 == 0) {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            delegate.deserialize(record, out);
        }

        @Override
        public org.apache.flink.api.common.typeinfo.TypeInformation<Tick> getProducedType() {
            return delegate.getProducedType();
        }
    }

    /** Throws once, after a checkpoint has completed, so the job must restore from it. */
    static final class FailOnceAfterCheckpoint extends RichMapFunction<Bar, Bar>
            implements CheckpointListener, CheckpointedFunction {
        static volatile boolean FAILED;
        static volatile boolean RESTORED;
        static volatile boolean CHECKPOINTED;
        static final AtomicBoolean ARMED = new AtomicBoolean();

        static void reset() {
            FAILED = false;
            RESTORED = false;
            CHECKPOINTED = false;
            ARMED.set(true);
        }

        @Override
        public Bar map(Bar bar) {
            if (CHECKPOINTED && ARMED.compareAndSet(true, false)) {
                FAILED = true;
                throw new RuntimeException("injected failure for the exactly-once test");
            }
            return bar;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINTED = true;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) {}

        @Override
        public void initializeState(FunctionInitializationContext context) {
            if (context.isRestored()) {
                RESTORED = true;
            }
        }
    }
}
