package io.marketbars.testing;

import io.marketbars.testing.MarketTape.Entry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Publishes a {@link MarketTape} (or part of it) to Kafka at a steady pace from a background
 * thread, so that a test can kill, stop or upgrade the job while ticks keep flowing. Every record
 * must land at the partition and offset the tape says, or the oracle would be wrong.
 */
public final class TapeFeed implements AutoCloseable {
    /** Symbol prefix of the closing ticks; their bars are not part of any oracle. */
    public static final String CLOSING_SYMBOL = "ZZCLOSE";

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final AtomicInteger sent = new AtomicInteger();
    private volatile Throwable failure;
    private Thread thread;

    public TapeFeed(String topic) {
        this(topic, TestServices.kafka().producerProps());
    }

    /** Publishes with a producer of these settings (a broker of the test's own). */
    public TapeFeed(String topic, Properties producerProps) {
        this.topic = topic;
        this.producer = new KafkaProducer<>(producerProps);
    }

    /** Sends records [from, to) of the tape, {@code perSecond} of them a second, in the background. */
    public TapeFeed start(List<Entry> records, int perSecond) {
        thread = new Thread(
                () -> {
                    try {
                        long started = System.nanoTime();
                        for (int i = 0; i < records.size(); i++) {
                            send(records.get(i));
                            sent.incrementAndGet();
                            long due = started + TimeUnit.SECONDS.toNanos(i + 1) / perSecond;
                            long wait = due - System.nanoTime();
                            if (wait > 0) {
                                TimeUnit.NANOSECONDS.sleep(wait);
                            }
                        }
                    } catch (Throwable t) {
                        failure = t;
                    }
                },
                "tape-feed-" + topic);
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** Sends the records at once, in order. */
    public void sendAll(List<Entry> records) throws Exception {
        for (Entry e : records) {
            send(e);
            sent.incrementAndGet();
        }
    }

    private void send(Entry e) throws Exception {
        RecordMetadata md = producer.send(new ProducerRecord<>(topic, e.partition, e.key(), e.value))
                .get();
        if (md.offset() != e.offset) {
            throw new IllegalStateException("Record landed at offset " + md.offset() + ", the tape says " + e.offset);
        }
    }

    public int sent() {
        return sent.get();
    }

    public void await() throws Exception {
        thread.join(TimeUnit.MINUTES.toMillis(3));
        if (failure != null) {
            throw new IllegalStateException("Feed failed", failure);
        }
        if (thread.isAlive()) {
            throw new IllegalStateException("Feed still running");
        }
    }

    /**
     * One tick per partition {@code afterMillis} past the tape's last minute, for a symbol of its own:
     * it moves every partition's watermark past the tape's bars, so they close without waiting for
     * the wall clock (live mode), and the tape's own rows stay exactly the oracle's. Returns how many.
     */
    public int sendClosingTicks(MarketTape tape, int minutes, long afterMillis) throws Exception {
        long ts = tape.start.toEpochMilli() + minutes * 60_000L + afterMillis;
        for (int p = 0; p < tape.partitions; p++) {
            String symbol = CLOSING_SYMBOL + p;
            String json = "{\"symbol\":\"" + symbol + "\",\"ts\":" + ts
                    + ",\"price\":\"1\",\"qty\":\"1\",\"seq\":1,\"side\":\"B\"}";
            producer.send(new ProducerRecord<>(
                            topic, p, symbol.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8)))
                    .get();
        }
        return tape.partitions;
    }

    @Override
    public void close() {
        producer.close();
    }
}
