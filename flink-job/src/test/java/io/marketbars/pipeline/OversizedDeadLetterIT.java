package io.marketbars.pipeline;

import static io.marketbars.testing.DeadLetterTopic.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketbars.BarsJob;
import io.marketbars.config.JobOptions;
import io.marketbars.records.Bar;
import io.marketbars.records.DeadLetter;
import io.marketbars.sinks.DeadLetterSerializer;
import io.marketbars.testing.DeadLetterTopic;
import io.marketbars.testing.TestServices;
import io.marketbars.testing.TestTicks;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.DefaultRecord;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A malformed record as large as its topic allows (2 MiB, twice the dead-letter producer's
 * default limit) goes through the whole job with production settings: the consumer reads past it,
 * the dead letter lands once, truncated and saying so, the job finishes without a restart, and
 * the good ticks around it make the right bars.
 */
class OversizedDeadLetterIT {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    /** The trades topic's max.message.bytes: what the broker accepts from a producer, batch framing included. */
    private static final int TOPIC_MAX_BYTES = 2 * 1024 * 1024;

    @Test
    void malformedRecordAtTheBrokersMaximumIsDeadLetteredTruncatedAndTheJobFinishes() throws Exception {
        String trades = TestServices.unique("big_trades");
        String dlq = TestServices.unique("dead_letters");
        TestServices.kafka()
                .createTopic(
                        trades, 1, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(TOPIC_MAX_BYTES)));
        TestServices.kafka().createTopic(dlq, 1); // the broker's defaults, as in production

        byte[] bigKey = "FPT".getBytes(StandardCharsets.UTF_8);
        // A JSON string that never ends: the parser reads all of it before it gives up.
        byte[] prefix = "{\"symbol\":\"FPT\",\"note\":\"".getBytes(StandardCharsets.UTF_8);
        int bigSize = TOPIC_MAX_BYTES
                - DefaultRecordBatch.RECORD_BATCH_OVERHEAD
                - (DefaultRecord.sizeInBytes(0, 0L, bigKey.length, 0, new Header[0]) + 4);
        while (DefaultRecordBatch.RECORD_BATCH_OVERHEAD
                        + DefaultRecord.sizeInBytes(0, 0L, bigKey.length, bigSize + 1, new Header[0])
                <= TOPIC_MAX_BYTES) {
            bigSize++;
        }
        while (DefaultRecordBatch.RECORD_BATCH_OVERHEAD
                        + DefaultRecord.sizeInBytes(0, 0L, bigKey.length, bigSize, new Header[0])
                > TOPIC_MAX_BYTES) {
            bigSize--;
        }
        byte[] big = Arrays.copyOf(prefix, bigSize);
        Arrays.fill(big, prefix.length, bigSize, (byte) 'x');

        long bigOffset;
        long smallOffset;
        Properties props = TestServices.kafka().producerProps();
        // Let the broker, not the producer, decide what is too large.
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * TOPIC_MAX_BYTES);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            send(producer, trades, "FPT", trade("FPT", TestTicks.MINUTE_0.plusSeconds(1), "10.50", "100", 1, "B"));
            send(producer, trades, "FPT", trade("FPT", TestTicks.MINUTE_0.plusSeconds(20), "11.00", "50", 2, "S"));
            smallOffset =
                    send(producer, trades, "FPT", "{\"symbol\":\"FPT\",\"price\":".getBytes(StandardCharsets.UTF_8));
            bigOffset = send(producer, trades, "FPT", big);
            send(producer, trades, "FPT", trade("FPT", TestTicks.MINUTE_0.plusSeconds(45), "10.25", "10", 3, "B"));
            send(producer, trades, "FPT", trade("FPT", TestTicks.MINUTE_1.plusSeconds(5), "10.75", "20", 4, "S"));
        }
        // The record is the largest the topic takes: one byte more is refused by the broker.
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            byte[] tooBig = Arrays.copyOf(big, big.length + 1);
            assertThatThrownBy(() -> send(producer, trades, "FPT", tooBig))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(RecordTooLargeException.class);
        }

        String dbUrl = TestServices.migratedDatabase("bars");
        JobOptions options = JobOptions.fromArgs(
                new String[] {
                    "--mode",
                    "replay",
                    "--bootstrap-servers",
                    TestServices.kafka().bootstrapServers(),
                    "--trades-topic",
                    trades,
                    "--index-topic",
                    "none",
                    "--foreign-flow-topic",
                    "none",
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
                    "2",
                },
                Map.of());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(BarsJob.configuration(options));
        BarsJob.configure(env, options);
        BarsPipeline.Sinks production = BarsJob.productionSinks(options);
        AttemptProbe.MAX_ATTEMPT.set(-1);
        BarsPipeline.define(
                env,
                () -> BarsJob.tradesSource(options),
                new BarsPipeline.Sinks() {
                    @Override
                    public void bars(DataStream<Bar> bars) {
                        production.bars(bars);
                    }

                    @Override
                    public void deadLetters(DataStream<DeadLetter> deadLetters) {
                        production.deadLetters(deadLetters
                                .map(new AttemptProbe())
                                .uid("test-attempt-probe")
                                .name("Attempt probe"));
                    }
                },
                options);
        JobClient job = env.executeAsync("it-" + dlq);
        try {
            // A dead letter the sink cannot write restarts the job forever: stop at the first restart.
            var result = job.getJobExecutionResult();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (!result.isDone() && AttemptProbe.MAX_ATTEMPT.get() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(AttemptProbe.MAX_ATTEMPT.get())
                    .as("the dead-letter sink never failed (no restart)")
                    .isZero();
            result.get(1, TimeUnit.SECONDS);
        } finally {
            if (!job.getJobStatus().get().isGloballyTerminalState()) {
                job.cancel().get();
            }
        }
        assertThat(bars(dbUrl))
                .containsExactly(
                        "FPT 2024-12-02T02:15:00Z 10.50 11.00 10.25 10.25 160 3",
                        "FPT 2024-12-02T02:16:00Z 10.75 10.75 10.75 10.75 20 1");

        List<ConsumerRecord<byte[], byte[]>> letters = DeadLetterTopic.read(dlq);
        assertThat(letters)
                .extracting(r -> header(r, DeadLetterSerializer.OFFSET))
                .containsExactly(Long.toString(smallOffset), Long.toString(bigOffset));
        ConsumerRecord<byte[], byte[]> small = letters.get(0);
        assertThat(header(small, DeadLetterSerializer.TRUNCATED)).isNull();
        assertThat(header(small, DeadLetterSerializer.REASON)).isEqualTo("MALFORMED_JSON");

        ConsumerRecord<byte[], byte[]> truncated = letters.get(1);
        assertThat(header(truncated, DeadLetterSerializer.REASON)).isEqualTo("MALFORMED_JSON");
        assertThat(header(truncated, DeadLetterSerializer.TOPIC)).isEqualTo(trades);
        assertThat(header(truncated, DeadLetterSerializer.PARTITION)).isEqualTo("0");
        assertThat(header(truncated, DeadLetterSerializer.TRUNCATED)).isEqualTo("true");
        assertThat(header(truncated, DeadLetterSerializer.ORIGINAL_SIZE)).isEqualTo(Integer.toString(big.length));
        assertThat(header(truncated, DeadLetterSerializer.ORIGINAL_KEY_SIZE)).isEqualTo("3");
        assertThat(truncated.key()).isEqualTo(bigKey);
        assertThat(truncated.value().length)
                .isLessThan(options.deadLetterMaxRecordBytes)
                .isGreaterThan(options.deadLetterMaxRecordBytes - 4096);
        assertThat(truncated.value())
                .as("the start of the original")
                .isEqualTo(Arrays.copyOf(big, truncated.value().length));
        org.slf4j.LoggerFactory.getLogger(OversizedDeadLetterIT.class)
                .info(
                        "A {}-byte malformed record (topic limit {}) was dead-lettered as its first {} bytes; 2 bars written",
                        big.length,
                        TOPIC_MAX_BYTES,
                        truncated.value().length);
    }

    private static byte[] trade(String symbol, Instant ts, String price, String qty, long seq, String side) {
        return ("{\"symbol\":\"" + symbol + "\",\"ts\":\"" + ts + "\",\"price\":\"" + price + "\",\"qty\":\"" + qty
                        + "\",\"seq\":" + seq + ",\"side\":\"" + side + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static long send(KafkaProducer<byte[], byte[]> producer, String topic, String key, byte[] value)
            throws Exception {
        return producer.send(new ProducerRecord<>(topic, 0, key.getBytes(StandardCharsets.UTF_8), value))
                .get()
                .offset();
    }

    private static List<String> bars(String url) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url);
                ResultSet rs = c.createStatement()
                        .executeQuery("SELECT symbol, bucket, open::text, high::text, low::text,"
                                + " close::text, volume::text, trade_count FROM ohlcv_1m ORDER BY symbol, bucket")) {
            while (rs.next()) {
                rows.add(rs.getString(1) + " "
                        + rs.getObject(2, java.time.OffsetDateTime.class).toInstant() + " "
                        + rs.getString(3) + " " + rs.getString(4) + " " + rs.getString(5) + " " + rs.getString(6) + " "
                        + new java.math.BigDecimal(rs.getString(7))
                                .stripTrailingZeros()
                                .toPlainString() + " " + rs.getLong(8));
            }
        }
        return rows;
    }

    /** Passes dead letters on and remembers the highest attempt number of its task: 0 unless it restarted. */
    static final class AttemptProbe extends RichMapFunction<DeadLetter, DeadLetter> {
        private static final long serialVersionUID = 1L;
        static final AtomicInteger MAX_ATTEMPT = new AtomicInteger(-1);

        @Override
        public void open(OpenContext context) {
            MAX_ATTEMPT.accumulateAndGet(getRuntimeContext().getTaskInfo().getAttemptNumber(), Math::max);
        }

        @Override
        public DeadLetter map(DeadLetter d) {
            return d;
        }
    }
}
