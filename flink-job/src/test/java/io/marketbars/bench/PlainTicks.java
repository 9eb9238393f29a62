package io.marketbars.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the plain (non-Flink) contenders share: one {@link KafkaConsumer} reading a whole topic from
 * its beginning to the end it had when the read began, and Jackson's streaming parser turning each
 * generated JSON tick into fields. No validation beyond what the generator needs: that is part of
 * what the baselines leave out.
 */
final class PlainTicks {
    private static final JsonFactory JSON = new JsonFactory();

    /** One parsed tick; reused from record to record. */
    static final class Fields {
        String symbol;
        long ts;
        String priceText;
        BigDecimal price;
        long qty;
        long seq;
        boolean buy;
    }

    private PlainTicks() {}

    /** Calls {@code each} with every record value of the topic, partition by partition as fetched. */
    static long scan(String bootstrapServers, String topic, Consumer<byte[]> each) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        long records = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
            end.entrySet().removeIf(e -> e.getValue() == 0L);
            while (!end.isEmpty()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    each.accept(r.value());
                    records++;
                }
                end.keySet().removeIf(tp -> consumer.position(tp) >= end.get(tp));
            }
        }
        return records;
    }

    /** Parses one generated tick into {@code f}; {@code decimal} also builds the price as a BigDecimal. */
    static void parse(byte[] json, Fields f, boolean decimal) {
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                switch (name) {
                    case "symbol" -> f.symbol = p.getText();
                    case "ts" -> f.ts = p.getLongValue();
                    case "price" -> {
                        f.priceText = p.getText();
                        f.price = decimal ? new BigDecimal(f.priceText) : null;
                    }
                    case "qty" -> f.qty = p.getLongValue();
                    case "seq" -> f.seq = p.getLongValue();
                    case "side" -> f.buy = "B".equals(p.getText());
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("unparseable tick", e);
        }
    }

    /**
     * Reads the topic once more, outside any timing, and counts the ticks that arrive before an
     * earlier tick of their symbol: arrival-order open and close (Flink SQL's FIRST_VALUE and
     * LAST_VALUE) are right only when this is 0.
     */
    static long outOfTimeOrder(String bootstrapServers, String topic) {
        Map<String, long[]> last = new HashMap<>();
        Fields f = new Fields();
        long[] backwards = {0};
        scan(bootstrapServers, topic, value -> {
            parse(value, f, false);
            long[] prev = last.computeIfAbsent(f.symbol, s -> new long[] {Long.MIN_VALUE, Long.MIN_VALUE});
            if (f.ts < prev[0] || f.seq <= prev[1]) {
                backwards[0]++;
            }
            prev[0] = f.ts;
            prev[1] = f.seq;
        });
        return backwards[0];
    }
}
