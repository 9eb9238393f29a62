package io.marketbars.sources;

import io.marketbars.records.Tick;
import java.io.IOException;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Kafka records to ticks. Parsing happens here, inside the source, because per-partition
 * watermarks are generated right after deserialization and need each tick's event time. A record
 * that does not parse is emitted as a rejected tick with its original bytes and coordinates.
 */
public final class TickDeserializer implements KafkaRecordDeserializationSchema<Tick> {
    private static final long serialVersionUID = 1L;

    private final TickParser parser;

    public TickDeserializer(long maxFutureSkewMillis) {
        this.parser = new TickParser(maxFutureSkewMillis);
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {}

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Tick> out) throws IOException {
        Tick tick = parser.parse(record.value(), System.currentTimeMillis(), new Tick());
        tick.partition = record.partition();
        tick.offset = record.offset();
        tick.kafkaTimestamp = record.timestamp();
        if (tick.isRejected()) {
            tick.raw = record.value();
            tick.rawKey = record.key();
        }
        out.collect(tick);
    }

    @Override
    public TypeInformation<Tick> getProducedType() {
        return TypeInformation.of(Tick.class);
    }
}
