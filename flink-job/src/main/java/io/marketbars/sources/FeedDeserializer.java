package io.marketbars.sources;

import io.marketbars.records.FeedRecord;
import io.marketbars.records.FlowSnapshot;
import io.marketbars.records.IndexValue;
import java.io.IOException;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Kafka records of the index-values and foreign-flow topics to records, parsed inside the source
 * for the same reason as trades (per-partition watermarks need the event time). A record that does
 * not parse comes out rejected, with its original bytes and coordinates.
 */
public final class FeedDeserializer<T extends FeedRecord> implements KafkaRecordDeserializationSchema<T> {
    private static final long serialVersionUID = 1L;

    private final FeedParser parser;
    private final Class<T> type;

    private FeedDeserializer(long maxFutureSkewMillis, Class<T> type) {
        this.parser = new FeedParser(maxFutureSkewMillis);
        this.type = type;
    }

    public static FeedDeserializer<IndexValue> indexValues(long maxFutureSkewMillis) {
        return new FeedDeserializer<>(maxFutureSkewMillis, IndexValue.class);
    }

    public static FeedDeserializer<FlowSnapshot> flowSnapshots(long maxFutureSkewMillis) {
        return new FeedDeserializer<>(maxFutureSkewMillis, FlowSnapshot.class);
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {}

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<T> out) throws IOException {
        long now = System.currentTimeMillis();
        FeedRecord r = type == IndexValue.class
                ? parser.parseIndex(record.value(), now, new IndexValue())
                : parser.parseFlow(record.value(), now, new FlowSnapshot());
        r.partition = record.partition();
        r.offset = record.offset();
        r.kafkaTimestamp = record.timestamp();
        if (r.isRejected()) {
            r.raw = record.value();
            r.rawKey = record.key();
        }
        out.collect(type.cast(r));
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return TypeInformation.of(type);
    }
}
