package io.marketbars.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class EmbeddedKafkaIT {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaIT.class);
    private static final String TOPIC = "embedded-kafka-test";
    private static final int PARTITIONS = 4;
    private static final int RECORDS = 1000;

    @Test
    void producesAndConsumesWithCommittedOffsets() throws Exception {
        long t0 = System.nanoTime();
        EmbeddedKafka kafka = EmbeddedKafka.start();
        LOG.info(
                "Embedded Kafka started in {} ms at {}",
                (System.nanoTime() - t0) / 1_000_000,
                kafka.bootstrapServers());
        Path logDir = kafka.logDir();
        assertThat(logDir).isDirectory();
        try {
            kafka.createTopic(TOPIC, PARTITIONS);

            // The default partitioner hashes keys with murmur2, so the expected split is known up front.
            Map<Integer, Integer> expected = new HashMap<>();
            Map<Integer, Integer> acked = new HashMap<>();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProps())) {
                List<Future<RecordMetadata>> sends = new ArrayList<>();
                for (int i = 0; i < RECORDS; i++) {
                    byte[] key = ("key-" + i).getBytes(StandardCharsets.UTF_8);
                    expected.merge(Utils.toPositive(Utils.murmur2(key)) % PARTITIONS, 1, Integer::sum);
                    sends.add(producer.send(
                            new ProducerRecord<>(TOPIC, key, ("value-" + i).getBytes(StandardCharsets.UTF_8))));
                }
                for (Future<RecordMetadata> send : sends) {
                    acked.merge(send.get().partition(), 1, Integer::sum);
                }
            }
            assertThat(expected).hasSize(PARTITIONS);
            assertThat(acked).isEqualTo(expected);

            Map<Integer, Integer> consumed = new HashMap<>();
            var props = kafka.consumerProps("embedded-kafka-test-group");
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
                consumer.subscribe(List.of(TOPIC));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                int total = 0;
                while (total < RECORDS && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        consumed.merge(record.partition(), 1, Integer::sum);
                        total++;
                    }
                    // Synchronous commits go through the group coordinator and the __consumer_offsets topic.
                    consumer.commitSync();
                }
                Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(IntStream.range(0, PARTITIONS)
                        .mapToObj(p -> new TopicPartition(TOPIC, p))
                        .collect(Collectors.toSet()));
                IntStream.range(0, PARTITIONS)
                        .forEach(p -> assertThat(committed.get(new TopicPartition(TOPIC, p)))
                                .as("committed offset of partition %d", p)
                                .isNotNull()
                                .extracting(OffsetAndMetadata::offset)
                                .isEqualTo(expected.get(p).longValue()));
            }
            assertThat(consumed).isEqualTo(expected);
            LOG.info("Records per partition: {}", consumed);
        } finally {
            long t1 = System.nanoTime();
            kafka.close();
            LOG.info("Embedded Kafka closed in {} ms", (System.nanoTime() - t1) / 1_000_000);
        }
        assertThat(logDir).doesNotExist();
        kafka.close(); // idempotent
    }

    @Test
    void stopsAndStartsAgainWithItsTopicsRecordsAndAddress() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopic("kept", 2);
            var props = kafka.producerProps();
            props.put(org.apache.kafka.clients.producer.ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
                assertThat(producer.send(new ProducerRecord<>("kept", 0, null, new byte[] {1}))
                                .get()
                                .offset())
                        .isZero();
                kafka.stop();
                // Sent while the broker is down: send() itself may block for metadata (max.block.ms), and
                // the producer retries the batch until the broker is back.
                var pending = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return producer.send(new ProducerRecord<>("kept", 0, null, new byte[] {2}))
                                .get();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                Thread.sleep(2_000);
                assertThat(pending).isNotDone();
                kafka.startAgain();
                assertThat(pending.get(60, java.util.concurrent.TimeUnit.SECONDS)
                                .offset())
                        .isEqualTo(1);
            }
            assertThat(kafka.consume("kept", 2)).extracting(r -> r.value()[0]).containsExactly((byte) 1, (byte) 2);
            kafka.createTopic("new_after_restart", 1);
        }
    }
}
