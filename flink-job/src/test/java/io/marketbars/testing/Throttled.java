package io.marketbars.testing;

import java.io.IOException;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads at most one record per {@code pause} in each source subtask, so that a backlog of a few
 * thousand records takes longer to read than the idle timeout: the job is slow, the feed is not,
 * and no record may become late for it.
 */
public final class Throttled<T> implements KafkaRecordDeserializationSchema<T> {
    private static final long serialVersionUID = 1L;

    private final KafkaRecordDeserializationSchema<T> delegate;
    private final long pauseNanos;

    public Throttled(KafkaRecordDeserializationSchema<T> delegate, java.time.Duration pause) {
        this.delegate = delegate;
        this.pauseNanos = pause.toNanos();
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) throws Exception {
        delegate.open(context);
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<T> out) throws IOException {
        LockSupport.parkNanos(pauseNanos);
        delegate.deserialize(record, out);
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return delegate.getProducedType();
    }
}
