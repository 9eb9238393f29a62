package io.marketbars.testing;

import java.io.IOException;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Slows a source down until the test releases it, so something can happen to the job while it is
 * surely still running (a bounded replay of a small tape can otherwise end within a second). A
 * static switch, because the MiniCluster runs the source in the test's JVM.
 */
public final class ThrottledUntilReleased<T> implements KafkaRecordDeserializationSchema<T> {
    private static final long serialVersionUID = 1L;

    private static volatile boolean throttled;

    private final KafkaRecordDeserializationSchema<T> delegate;
    private final long pauseMillis;

    /** @param pauseMillis how long each record waits while the source is throttled */
    public ThrottledUntilReleased(KafkaRecordDeserializationSchema<T> delegate, long pauseMillis) {
        this.delegate = delegate;
        this.pauseMillis = pauseMillis;
    }

    public static void arm() {
        throttled = true;
    }

    public static void release() {
        throttled = false;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) throws Exception {
        delegate.open(context);
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<T> out) throws IOException {
        if (throttled) {
            try {
                Thread.sleep(pauseMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        delegate.deserialize(record, out);
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return delegate.getProducedType();
    }
}
