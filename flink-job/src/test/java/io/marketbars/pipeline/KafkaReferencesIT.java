package io.marketbars.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.BarsJob;
import io.marketbars.config.JobOptions;
import io.marketbars.sinks.DeadLetterSerializer;
import io.marketbars.testing.DeadLetterTopic;
import io.marketbars.testing.TestServices;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka client settings given as config-provider references reach the clients the job creates on
 * the TaskManager unresolved and are resolved there: {@code max.poll.records} for the source's
 * consumer and {@code linger.ms} for the dead-letter producer come from a file through
 * {@code ${file:...}}, and an unresolved reference is not a number, so either client would refuse
 * to start. A malformed trade read by the one and written as a dead letter by the other proves both
 * resolved theirs.
 */
class KafkaReferencesIT {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(1)
            .build());

    @Test
    void theSourceAndTheDeadLetterSinkResolveReferencesOnTheTaskManager(@TempDir Path dir) throws Exception {
        Path settings = dir.resolve("kafka.properties");
        Files.writeString(settings, "max.poll.records=7\nlinger.ms=5\n");
        String trades = TestServices.unique("trades");
        String dlq = TestServices.unique("dead_letters");
        TestServices.kafka().createTopic(trades, 1);
        TestServices.kafka().createTopic(dlq, 1);
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(TestServices.kafka().producerProps())) {
            producer.send(new ProducerRecord<>(
                            trades,
                            "FPT".getBytes(StandardCharsets.UTF_8),
                            "{\"symbol\":\"FPT\",\"price\":".getBytes(StandardCharsets.UTF_8)))
                    .get();
        }
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
                    TestServices.migratedDatabase("bars"),
                    "--db-user",
                    TestServices.postgres().user(),
                    "--checkpoint-interval",
                    "200 ms",
                    "--parallelism",
                    "1",
                },
                Map.of(
                        "KAFKA_MAX_POLL_RECORDS", "${file:" + settings + ":max.poll.records}",
                        "KAFKA_LINGER_MS", "${file:" + settings + ":linger.ms}"));
        assertThat(options.kafkaClientProperties())
                .containsEntry("max.poll.records", "${file:" + settings + ":max.poll.records}");

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(BarsJob.configuration(options));
        BarsJob.configure(env, options);
        // A client that refuses its settings fails the job at once instead of restarting it forever.
        env.configure(new Configuration().set(RestartStrategyOptions.RESTART_STRATEGY, "none"));
        BarsPipeline.define(env, BarsJob.productionSources(options), BarsJob.productionSinks(options), options);
        env.execute("it-" + dlq);

        assertThat(DeadLetterTopic.read(dlq))
                .singleElement()
                .satisfies(r -> assertThat(DeadLetterTopic.header(r, DeadLetterSerializer.TOPIC))
                        .isEqualTo(trades));
    }
}
