package io.marketbars.testing;

import java.io.IOException;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Slows a source down while a {@link FailOnceAfterCheckpoint} failure is armed, so checkpoints
 * complete while records are still flowing and the failure really happens mid-stream (a fast
 * replay can otherwise end before the first checkpoint).
 */
public final class ThrottledUntilFailure<T> implements KafkaRecordDeserializationSchema<T> {
    private static final long serialVersionUID = 1L;

    private final KafkaRecordDeserializationSchema<T> delegate;
    private final int recordsPerMilli;
    private transient long records;

    public ThrottledUntilFailure(KafkaRecordDeserializationSchema<T> delegate, int recordsPerMilli) {
        this.delegate = delegate;
        this.recordsPerMilli = recordsPerMilli;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) throws Exception {
        delegate.open(context);
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<T> out) throws IOException {
        if (FailOnceAfterCheckpoint.armed() && ++records % recordsPerMilli == 0) {
            try {
                Thread.sleep(1);
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
