package io.marketbars.sinks;

import io.marketbars.records.DeadLetter;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Dead letters as Kafka records: the original key and bytes unchanged as key and value, and why
 * and where from in headers (the convention Kafka Connect's dead-letter queues use), so a fixed
 * record can be re-published as it is.
 */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
    private static final long serialVersionUID = 1L;

    public static final String REASON = "dlq.reason";
    public static final String DETAIL = "dlq.detail";
    public static final String TOPIC = "dlq.source.topic";
    public static final String PARTITION = "dlq.source.partition";
    public static final String OFFSET = "dlq.source.offset";

    private final String topic;

    public DeadLetterSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter d, KafkaSinkContext context, Long timestamp) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(REASON, utf8(d.reason));
        headers.add(DETAIL, utf8(d.detail == null ? "" : d.detail));
        headers.add(TOPIC, utf8(d.sourceTopic));
        headers.add(PARTITION, utf8(Integer.toString(d.sourcePartition)));
        headers.add(OFFSET, utf8(Long.toString(d.sourceOffset)));
        return new ProducerRecord<>(topic, null, d.sourceTimestamp > 0 ? d.sourceTimestamp : null,
                d.key, d.value == null ? new byte[0] : d.value, headers);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
