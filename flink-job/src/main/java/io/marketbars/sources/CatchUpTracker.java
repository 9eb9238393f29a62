package io.marketbars.sources;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether one Kafka source reader (one subtask of one topic's source) has read its partitions to
 * their end. Live-mode watermarks may follow the wall clock only for a partition that is caught up:
 * a backlog, whatever left it (a start, a restore, an outage, backpressure), is read in event time
 * like a replay, and none of it becomes late because the job was slow.
 *
 * <p>The reader's watermark generators report each record's offset ({@link Partition#read}); a
 * probe thread with its own consumer (same client settings and isolation level as the reader, no
 * consumer group membership) asks the broker for each partition's end offset once a
 * {@code probeInterval}. Under {@code read_committed} that end is the last stable offset, and a
 * partition can end with transaction markers or aborted records that no reader ever sees; when the
 * position is short of the end, the probe reads from the position to tell markers from data. A
 * verdict holds only for the exact position it was given and for a few probe intervals: when the
 * broker cannot be reached, no partition is caught up, so an outage never moves a watermark.
 *
 * <p>Watermark generators have no link to the reader that feeds them, so the reader's source binds
 * its tracker to the task thread when it creates the reader ({@link #bindToCurrentThread}); Flink
 * creates the reader and then, on the same thread, the generators of its outputs ({@link
 * #ofCurrentThread}).
 */
public final class CatchUpTracker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CatchUpTracker.class);

    private static final ThreadLocal<CatchUpTracker> BOUND = new ThreadLocal<>();

    /** A verdict older than this many probe intervals is no verdict. */
    private static final int FRESH_PROBE_INTERVALS = 3;

    /** One assigned partition: the task thread writes the position, the probe the verdict. */
    public static final class Partition {
        final TopicPartition topicPartition;
        /** The split's starting offset: a concrete offset, or one of the split's markers (earliest, latest, committed). */
        final long startingOffset;
        /** The offset after the last record read since the reader started; -1 before the first. */
        volatile long nextOffset = -1;
        /** Set by the probe when the position it checked was the partition's end. */
        volatile Verdict atEnd;
        /** The probe's resolution of a marker starting offset (probe thread only). */
        long resolvedStart = -1;

        Partition(TopicPartition topicPartition, long startingOffset) {
            this.topicPartition = topicPartition;
            this.startingOffset = startingOffset;
        }

        /** The generator saw the record at {@code offset}. */
        public void read(long offset) {
            nextOffset = offset + 1;
        }
    }

    /** "At {@code position} nothing was left to read", as found at {@code atNanos}. */
    record Verdict(long position, long atNanos) {}

    private final String topic;
    private final Properties consumerProperties;
    private final long probeIntervalNanos;
    private final LongSupplier nanoTime;
    private final Map<Integer, Partition> partitions = new ConcurrentHashMap<>();

    private volatile boolean closed;
    private Thread probe;
    private KafkaConsumer<byte[], byte[]> consumer;
    private boolean brokerUnreachable;

    public CatchUpTracker(String topic, Properties consumerProperties, Duration probeInterval) {
        this(topic, consumerProperties, probeInterval, System::nanoTime);
    }

    CatchUpTracker(String topic, Properties consumerProperties, Duration probeInterval, LongSupplier nanoTime) {
        this.topic = topic;
        this.consumerProperties = consumerProperties;
        this.probeIntervalNanos = probeInterval.toNanos();
        this.nanoTime = nanoTime;
    }

    /** Makes {@code tracker} the one the next watermark generators created on this thread use. */
    public static void bindToCurrentThread(CatchUpTracker tracker) {
        BOUND.set(tracker);
    }

    /** The tracker of the reader created last on this thread; null when the source has none. */
    public static CatchUpTracker ofCurrentThread() {
        return BOUND.get();
    }

    /** The reader was given these splits (at start, on restore, or when partitions are discovered). */
    public void addSplits(Collection<KafkaPartitionSplit> splits) {
        for (KafkaPartitionSplit split : splits) {
            partitions.putIfAbsent(
                    split.getPartition(), new Partition(split.getTopicPartition(), split.getStartingOffset()));
        }
    }

    /** The partition a generator reads; one the reader was not told of is tracked from now on. */
    public Partition partition(int partition) {
        return partitions.computeIfAbsent(
                partition, p -> new Partition(new TopicPartition(topic, p), KafkaPartitionSplit.EARLIEST_OFFSET));
    }

    /** Whether the probe found nothing left to read at the partition's current position, lately. */
    public boolean caughtUp(Partition p) {
        Verdict v = p.atEnd;
        return v != null
                && v.position == p.nextOffset
                && nanoTime.getAsLong() - v.atNanos <= FRESH_PROBE_INTERVALS * probeIntervalNanos;
    }

    /** Whether every partition of the reader is caught up (true when it has none). */
    public boolean allCaughtUp() {
        for (Partition p : partitions.values()) {
            if (!caughtUp(p)) {
                return false;
            }
        }
        return true;
    }

    /** Records a verdict as the probe does; for tests of the generators. */
    void verdict(Partition p, boolean atEnd) {
        p.atEnd = atEnd ? new Verdict(p.nextOffset, nanoTime.getAsLong()) : null;
    }

    /** Starts the probe thread. */
    public void start(String threadName) {
        probe = new Thread(this::probeLoop, threadName);
        probe.setDaemon(true);
        probe.start();
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        Thread t = probe;
        if (t != null) {
            KafkaConsumer<byte[], byte[]> c = consumer;
            if (c != null) {
                c.wakeup();
            }
            t.interrupt();
            t.join(10_000);
        }
    }

    private void probeLoop() {
        Properties props = new Properties();
        props.putAll(consumerProperties);
        props.put("key.deserializer", ByteArrayDeserializer.class.getName());
        props.put("value.deserializer", ByteArrayDeserializer.class.getName());
        props.put("enable.auto.commit", "false");
        props.put("auto.offset.reset", "earliest");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props)) {
            consumer = c;
            while (!closed) {
                probeOnce(c);
                try {
                    Thread.sleep(probeIntervalNanos / 1_000_000L);
                } catch (InterruptedException e) {
                    return;
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.warn("Catch-up probe of topic {} stopped; its partitions will not follow the wall clock", topic, e);
            }
        }
    }

    private void probeOnce(KafkaConsumer<byte[], byte[]> c) {
        List<Partition> ps = new ArrayList<>(partitions.values());
        if (ps.isEmpty()) {
            return;
        }
        Duration timeout = Duration.ofNanos(Math.max(probeIntervalNanos, 1_000_000_000L));
        try {
            Map<TopicPartition, Partition> byTp = new HashMap<>();
            ps.forEach(p -> byTp.put(p.topicPartition, p));
            Map<TopicPartition, Long> ends = c.endOffsets(byTp.keySet(), timeout);
            for (Partition p : ps) {
                long asked = p.nextOffset;
                long position = asked >= 0 ? asked : start(c, p, ends.get(p.topicPartition), timeout);
                Long end = ends.get(p.topicPartition);
                boolean atEnd = end != null
                        && (position >= end || nothingReadable(c, p.topicPartition, position, end, timeout));
                p.atEnd = atEnd ? new Verdict(asked, nanoTime.getAsLong()) : null;
            }
            if (brokerUnreachable) {
                brokerUnreachable = false;
                LOG.info("Catch-up probe of topic {} reaches the broker again", topic);
            }
        } catch (WakeupException e) {
            throw e;
        } catch (RuntimeException e) {
            ps.forEach(p -> p.atEnd = null);
            if (!brokerUnreachable) {
                brokerUnreachable = true;
                LOG.warn(
                        "Catch-up probe of topic {} cannot read end offsets ({}); watermarks hold until it can",
                        topic,
                        e.toString());
            }
        }
    }

    /** Where the reader started a partition it has read nothing from yet. */
    private long start(KafkaConsumer<byte[], byte[]> c, Partition p, Long end, Duration timeout) {
        if (p.startingOffset >= 0) {
            return p.startingOffset;
        }
        if (p.resolvedStart < 0) {
            TopicPartition tp = p.topicPartition;
            if (p.startingOffset == KafkaPartitionSplit.LATEST_OFFSET) {
                p.resolvedStart = end == null ? -1 : end; // the end when first seen: close to where the reader began
            } else {
                Long committed = null;
                if (p.startingOffset == KafkaPartitionSplit.COMMITTED_OFFSET
                        && consumerProperties.getProperty("group.id") != null) {
                    Map<TopicPartition, OffsetAndMetadata> m = c.committed(Set.of(tp), timeout);
                    OffsetAndMetadata om = m.get(tp);
                    committed = om == null ? null : om.offset();
                }
                p.resolvedStart = committed != null
                        ? committed
                        : c.beginningOffsets(Set.of(tp), timeout).get(tp);
            }
        }
        return p.resolvedStart;
    }

    /**
     * Whether nothing a reader would see lies in [position, end): only transaction markers or
     * aborted records. Reads from the position; a read that returns nothing in time proves nothing.
     */
    private static boolean nothingReadable(
            KafkaConsumer<byte[], byte[]> c, TopicPartition tp, long position, long end, Duration timeout) {
        c.assign(Set.of(tp));
        c.seek(tp, position);
        for (ConsumerRecord<byte[], byte[]> r : c.poll(timeout).records(tp)) {
            if (r.offset() < end) {
                return false;
            }
        }
        return c.position(tp, timeout) >= end;
    }
}
