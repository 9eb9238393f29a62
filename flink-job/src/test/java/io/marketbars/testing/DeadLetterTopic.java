package io.marketbars.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads a single-partition dead-letter topic of the shared broker, and its headers, as consumers
 * of the topic must: {@code read_committed}, so that dead letters of a transaction the job aborted
 * (written before a failure, written again after the restore) are not seen.
 */
public final class DeadLetterTopic {
    private DeadLetterTopic() {}

    /** Every committed record in the topic at the time of the call. */
    public static List<ConsumerRecord<byte[], byte[]>> read(String topic) {
        return read(TestServices.kafka(), topic);
    }

    /** The same, on a broker of the test's own. */
    public static List<ConsumerRecord<byte[], byte[]>> read(EmbeddedKafka kafka, String topic) {
        List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps(kafka))) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            // Under read_committed this is the last stable offset: nothing of an open transaction.
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            while (consumer.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    all.add(r);
                }
            }
        }
        return all;
    }

    /** A consumer of the dead-letter topic: committed records only. */
    public static Properties consumerProps() {
        return consumerProps(TestServices.kafka());
    }

    public static Properties consumerProps(EmbeddedKafka kafka) {
        Properties props = kafka.consumerProps(TestServices.unique("dlq"));
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return props;
    }

    /**
     * Each committed dead letter as "topic partition/offset reason", from its headers; a record
     * dead-lettered twice fails the calling test.
     */
    public static java.util.Set<String> whereAndWhy(String topic) {
        return whereAndWhy(TestServices.kafka(), topic);
    }

    /** The same, on a broker of the test's own. */
    public static java.util.Set<String> whereAndWhy(EmbeddedKafka kafka, String topic) {
        java.util.Set<String> seen = new java.util.TreeSet<>();
        for (ConsumerRecord<byte[], byte[]> r : read(kafka, topic)) {
            String where = header(r, io.marketbars.sinks.DeadLetterSerializer.TOPIC) + " "
                    + header(r, io.marketbars.sinks.DeadLetterSerializer.PARTITION) + "/"
                    + header(r, io.marketbars.sinks.DeadLetterSerializer.OFFSET) + " "
                    + header(r, io.marketbars.sinks.DeadLetterSerializer.REASON);
            org.assertj.core.api.Assertions.assertThat(seen.add(where))
                    .as("dead letter %s written once", where)
                    .isTrue();
        }
        return seen;
    }

    public static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
