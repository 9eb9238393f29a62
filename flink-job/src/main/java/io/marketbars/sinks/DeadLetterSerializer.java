package io.marketbars.sinks;

import io.marketbars.records.DeadLetter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Dead letters as Kafka records: the original key and bytes unchanged as key and value, and why
 * and where from in headers (the convention Kafka Connect's dead-letter queues use), so a fixed
 * record can be re-published as it is.
 *
 * <p>A record as large as the source topic allows may not fit the dead-letter record's limit
 * once headers are added (and the source topic may allow more than the producer's
 * {@code max.request.size}). Such a dead letter carries the start of the original and says so in
 * {@value #TRUNCATED} and {@value #ORIGINAL_SIZE}; the whole record stays at the source offset its
 * headers name. Failing instead would restart the job on the same record forever.
 */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
    private static final long serialVersionUID = 1L;

    public static final String REASON = "dlq.reason";
    public static final String DETAIL = "dlq.detail";
    public static final String TOPIC = "dlq.source.topic";
    public static final String PARTITION = "dlq.source.partition";
    public static final String OFFSET = "dlq.source.offset";
    /** {@code true} when the value (or the key) is only the start of the original. */
    public static final String TRUNCATED = "dlq.truncated";
    /** The original value's size in bytes, on truncated dead letters. */
    public static final String ORIGINAL_SIZE = "dlq.original.size";
    /** The original key's size in bytes, on truncated dead letters that have a key. */
    public static final String ORIGINAL_KEY_SIZE = "dlq.original.key.size";

    /**
     * Framing around key, value and header bytes: the record batch header (61 bytes) and the
     * record's and each header's length fields (varints of at most 5 or 10 bytes), with room left.
     */
    static final int FRAMING_BYTES = 512;
    /** Kept for the truncation headers, so that adding them can never push a record over the limit. */
    static final int TRUNCATION_HEADER_BYTES = 128;
    /** A detail is an explanation, not a copy of the input; parsers may quote some of it. */
    static final int MAX_DETAIL_BYTES = 1024;

    private final String topic;
    private final int maxRecordBytes;

    /**
     * @param maxRecordBytes the largest record the producer may send ({@code max.request.size});
     *     the dead-letter topic's {@code max.message.bytes} must be at least this
     */
    public DeadLetterSerializer(String topic, int maxRecordBytes) {
        this.topic = topic;
        this.maxRecordBytes = maxRecordBytes;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter d, KafkaSinkContext context, Long timestamp) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(REASON, utf8(d.reason));
        headers.add(DETAIL, utf8Prefix(d.detail == null ? "" : d.detail, MAX_DETAIL_BYTES));
        headers.add(TOPIC, utf8(d.sourceTopic));
        headers.add(PARTITION, utf8(Integer.toString(d.sourcePartition)));
        headers.add(OFFSET, utf8(Long.toString(d.sourceOffset)));
        byte[] key = d.key;
        byte[] value = d.value == null ? new byte[0] : d.value;
        int keySize = key == null ? 0 : key.length;
        int budget = Math.max(0, maxRecordBytes - FRAMING_BYTES - TRUNCATION_HEADER_BYTES - size(headers));
        if ((long) keySize + value.length > budget) {
            // The value is what a reader needs; the key is cut only when it alone takes over half.
            int keyKept = Math.min(keySize, Math.max(budget / 2, budget - value.length));
            int valueKept = Math.min(value.length, budget - keyKept);
            headers.add(TRUNCATED, utf8("true"));
            headers.add(ORIGINAL_SIZE, utf8(Integer.toString(value.length)));
            if (key != null) {
                headers.add(ORIGINAL_KEY_SIZE, utf8(Integer.toString(key.length)));
                key = keyKept == key.length ? key : Arrays.copyOf(key, keyKept);
            }
            value = Arrays.copyOf(value, valueKept);
        }
        return new ProducerRecord<>(topic, null, d.sourceTimestamp > 0 ? d.sourceTimestamp : null, key, value, headers);
    }

    private static int size(RecordHeaders headers) {
        int n = 0;
        for (Header h : headers) {
            n += utf8(h.key()).length + h.value().length;
        }
        return n;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The longest prefix of {@code s} that encodes in at most {@code max} bytes, never half a character. */
    static byte[] utf8Prefix(String s, int max) {
        byte[] all = utf8(s);
        if (all.length <= max) {
            return all;
        }
        CharsetEncoder encoder = StandardCharsets.UTF_8
                .newEncoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        ByteBuffer out = ByteBuffer.allocate(max);
        encoder.encode(CharBuffer.wrap(s), out, true);
        return Arrays.copyOf(out.array(), out.position());
    }
}
