package io.marketbars.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.config.JobOptions;
import io.marketbars.records.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.Test;

/**
 * Dead letters always fit the producer's limit: small ones unchanged, oversized ones cut to a
 * prefix that says so. Sizes are checked with the producer's own estimate, the number
 * {@code KafkaProducer} compares with {@code max.request.size} before it sends.
 */
class DeadLetterSerializerTest {
    private static final int ONE_MIB = 1024 * 1024;
    private static final DeadLetterSerializer SERIALIZER = new DeadLetterSerializer("dlq", ONE_MIB);

    private static DeadLetter letter(byte[] key, byte[] value, String detail) {
        DeadLetter d = new DeadLetter();
        d.reason = "MALFORMED_JSON";
        d.detail = detail;
        d.sourceTopic = "trades";
        d.sourcePartition = 3;
        d.sourceOffset = 1_234_567_890_123L;
        d.sourceTimestamp = 1_733_105_700_000L;
        d.key = key;
        d.value = value;
        return d;
    }

    private static byte[] bytes(int n, char c) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) c);
        return b;
    }

    /** What the producer checks against max.request.size (and the broker, plus nothing, against max.message.bytes). */
    private static int producerSize(ProducerRecord<byte[], byte[]> r) {
        return AbstractRecords.estimateSizeInBytesUpperBound(
                RecordBatch.CURRENT_MAGIC_VALUE,
                CompressionType.NONE,
                r.key(),
                r.value(),
                r.headers().toArray());
    }

    private static String header(ProducerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void smallDeadLetterKeepsTheOriginalBytesAndSaysNothingAboutTruncation() {
        byte[] value = "{\"symbol\":\"FPT\",\"price\":".getBytes(StandardCharsets.UTF_8);
        ProducerRecord<byte[], byte[]> r = SERIALIZER.serialize(
                letter("FPT".getBytes(StandardCharsets.UTF_8), value, "unexpected end of input"), null, null);
        assertThat(r.topic()).isEqualTo("dlq");
        assertThat(r.key()).containsExactly("FPT".getBytes(StandardCharsets.UTF_8));
        assertThat(r.value()).containsExactly(value);
        assertThat(r.timestamp()).isEqualTo(1_733_105_700_000L);
        assertThat(header(r, DeadLetterSerializer.REASON)).isEqualTo("MALFORMED_JSON");
        assertThat(header(r, DeadLetterSerializer.DETAIL)).isEqualTo("unexpected end of input");
        assertThat(header(r, DeadLetterSerializer.TOPIC)).isEqualTo("trades");
        assertThat(header(r, DeadLetterSerializer.PARTITION)).isEqualTo("3");
        assertThat(header(r, DeadLetterSerializer.OFFSET)).isEqualTo("1234567890123");
        assertThat(header(r, DeadLetterSerializer.TRUNCATED)).isNull();
        assertThat(header(r, DeadLetterSerializer.ORIGINAL_SIZE)).isNull();
    }

    @Test
    void recordAtTheSourceBrokersMaximumIsCutToAPrefixThatFitsAndSaysSo() {
        // 2 MiB: a source topic with max.message.bytes raised above the dead-letter producer's limit.
        byte[] value = bytes(2 * ONE_MIB - 100, 'x');
        ProducerRecord<byte[], byte[]> r = SERIALIZER.serialize(
                letter("BIG".getBytes(StandardCharsets.UTF_8), value, "Unexpected end-of-input in VALUE_STRING"),
                null,
                null);
        assertThat(producerSize(r)).isLessThanOrEqualTo(ONE_MIB);
        assertThat(r.value().length).as("most of the limit goes to the value").isGreaterThan(ONE_MIB - 2048);
        assertThat(r.value()).containsExactly(Arrays.copyOf(value, r.value().length));
        assertThat(r.key()).containsExactly("BIG".getBytes(StandardCharsets.UTF_8));
        assertThat(header(r, DeadLetterSerializer.TRUNCATED)).isEqualTo("true");
        assertThat(header(r, DeadLetterSerializer.ORIGINAL_SIZE)).isEqualTo(Integer.toString(value.length));
        assertThat(header(r, DeadLetterSerializer.ORIGINAL_KEY_SIZE)).isEqualTo("3");
        assertThat(header(r, DeadLetterSerializer.REASON)).isEqualTo("MALFORMED_JSON");
        assertThat(header(r, DeadLetterSerializer.OFFSET)).isEqualTo("1234567890123");
    }

    @Test
    void theLargestUntouchedValueFitsAndOneByteMoreIsTruncated() {
        byte[] key = "FPT".getBytes(StandardCharsets.UTF_8);
        int lo = 0;
        int hi = 2 * ONE_MIB;
        while (lo < hi) { // the largest value size that is not truncated
            int mid = (lo + hi + 1) >>> 1;
            if (header(
                            SERIALIZER.serialize(letter(key, bytes(mid, 'v'), "d"), null, null),
                            DeadLetterSerializer.TRUNCATED)
                    == null) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        ProducerRecord<byte[], byte[]> whole = SERIALIZER.serialize(letter(key, bytes(lo, 'v'), "d"), null, null);
        assertThat(whole.value()).hasSize(lo);
        assertThat(producerSize(whole)).isLessThanOrEqualTo(ONE_MIB).isGreaterThan(ONE_MIB - 1024);
        ProducerRecord<byte[], byte[]> cut = SERIALIZER.serialize(letter(key, bytes(lo + 1, 'v'), "d"), null, null);
        assertThat(header(cut, DeadLetterSerializer.ORIGINAL_SIZE)).isEqualTo(Integer.toString(lo + 1));
        assertThat(producerSize(cut)).isLessThanOrEqualTo(ONE_MIB);
    }

    @Test
    void hugeKeyHugeValueHugeDetailAndNoKeyAllFit() {
        ProducerRecord<byte[], byte[]> both = SERIALIZER.serialize(
                letter(bytes(3 * ONE_MIB, 'k'), bytes(3 * ONE_MIB, 'v'), "é".repeat(5000)), null, null);
        assertThat(producerSize(both)).isLessThanOrEqualTo(ONE_MIB);
        assertThat(both.key().length).isLessThan(ONE_MIB / 2 + 1);
        assertThat(both.value().length).isGreaterThan(ONE_MIB / 2 - 4096);
        assertThat(header(both, DeadLetterSerializer.ORIGINAL_KEY_SIZE)).isEqualTo(Integer.toString(3 * ONE_MIB));
        String detail = header(both, DeadLetterSerializer.DETAIL);
        assertThat(detail)
                .as("cut between characters, never inside one")
                .matches("é+")
                .hasSizeLessThanOrEqualTo(DeadLetterSerializer.MAX_DETAIL_BYTES / 2);

        ProducerRecord<byte[], byte[]> keyless =
                SERIALIZER.serialize(letter(null, bytes(3 * ONE_MIB, 'v'), null), null, null);
        assertThat(keyless.key()).isNull();
        assertThat(producerSize(keyless)).isLessThanOrEqualTo(ONE_MIB);
        assertThat(header(keyless, DeadLetterSerializer.ORIGINAL_KEY_SIZE)).isNull();
        assertThat(header(keyless, DeadLetterSerializer.TRUNCATED)).isEqualTo("true");
    }

    @Test
    void theSmallestAllowedLimitIsHonouredToo() {
        int limit = JobOptions.MIN_DEAD_LETTER_RECORD_BYTES;
        DeadLetterSerializer small = new DeadLetterSerializer("dlq", limit);
        ProducerRecord<byte[], byte[]> r = small.serialize(
                letter("FPT".getBytes(StandardCharsets.UTF_8), bytes(limit, 'v'), "x".repeat(5000)), null, null);
        assertThat(producerSize(r)).isLessThanOrEqualTo(limit);
        assertThat(r.value().length).isGreaterThan(limit / 2);
        assertThat(header(r, DeadLetterSerializer.TRUNCATED)).isEqualTo("true");
    }
}
