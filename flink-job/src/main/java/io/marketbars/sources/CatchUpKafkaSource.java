package io.marketbars.sources;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.KafkaSourceEnumState;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The live-mode Kafka source: the connector's {@link KafkaSource}, unchanged (same splits, same
 * state, same serializers, so savepoints move freely between the two), whose readers each keep a
 * {@link CatchUpTracker} that the reader's watermark generators consult before following the wall
 * clock. The tracker's probe runs from the reader's start to its close.
 */
public final class CatchUpKafkaSource<T>
        implements Source<T, KafkaPartitionSplit, KafkaSourceEnumState>, ResultTypeQueryable<T> {
    private static final long serialVersionUID = 1L;

    private final KafkaSource<T> kafka;
    private final String topic;
    private final Properties probeProperties;
    private final Duration probeInterval;

    /**
     * @param probeProperties the reader's client settings (bootstrap servers, security, isolation
     *     level, group id): the probe must see the partition as the reader does
     */
    public CatchUpKafkaSource(KafkaSource<T> kafka, String topic, Properties probeProperties, Duration probeInterval) {
        this.kafka = kafka;
        this.topic = topic;
        this.probeProperties = probeProperties;
        this.probeInterval = probeInterval;
    }

    @Override
    public Boundedness getBoundedness() {
        return kafka.getBoundedness();
    }

    @Override
    public SourceReader<T, KafkaPartitionSplit> createReader(SourceReaderContext context) throws Exception {
        Properties props = new Properties();
        props.putAll(probeProperties);
        props.put(
                "client.id",
                props.getProperty("client.id", "market-bars") + "-catch-up-" + topic + "-"
                        + context.getIndexOfSubtask());
        CatchUpTracker tracker = new CatchUpTracker(topic, props, probeInterval);
        CatchUpTracker.bindToCurrentThread(tracker);
        return new Reader<>(
                kafka.createReader(context), tracker, "catch-up probe " + topic + " #" + context.getIndexOfSubtask());
    }

    @Override
    public SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> createEnumerator(
            SplitEnumeratorContext<KafkaPartitionSplit> context) {
        return kafka.createEnumerator(context);
    }

    @Override
    public SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> restoreEnumerator(
            SplitEnumeratorContext<KafkaPartitionSplit> context, KafkaSourceEnumState state) throws Exception {
        return kafka.restoreEnumerator(context, state);
    }

    @Override
    public SimpleVersionedSerializer<KafkaPartitionSplit> getSplitSerializer() {
        return kafka.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<KafkaSourceEnumState> getEnumeratorCheckpointSerializer() {
        return kafka.getEnumeratorCheckpointSerializer();
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return kafka.getProducedType();
    }

    /** The Kafka reader, telling its tracker which splits it reads and running its probe. */
    private static final class Reader<T> implements SourceReader<T, KafkaPartitionSplit> {
        private final SourceReader<T, KafkaPartitionSplit> kafka;
        private final CatchUpTracker tracker;
        private final String probeName;

        Reader(SourceReader<T, KafkaPartitionSplit> kafka, CatchUpTracker tracker, String probeName) {
            this.kafka = kafka;
            this.tracker = tracker;
            this.probeName = probeName;
        }

        @Override
        public void start() {
            kafka.start();
            tracker.start(probeName);
        }

        @Override
        public InputStatus pollNext(ReaderOutput<T> output) throws Exception {
            return kafka.pollNext(output);
        }

        @Override
        public List<KafkaPartitionSplit> snapshotState(long checkpointId) {
            return kafka.snapshotState(checkpointId);
        }

        @Override
        public CompletableFuture<Void> isAvailable() {
            return kafka.isAvailable();
        }

        @Override
        public void addSplits(List<KafkaPartitionSplit> splits) {
            tracker.addSplits(splits);
            kafka.addSplits(splits);
        }

        @Override
        public void notifyNoMoreSplits() {
            kafka.notifyNoMoreSplits();
        }

        @Override
        public void handleSourceEvents(SourceEvent event) {
            kafka.handleSourceEvents(event);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            kafka.notifyCheckpointComplete(checkpointId);
        }

        @Override
        public void notifyCheckpointAborted(long checkpointId) throws Exception {
            kafka.notifyCheckpointAborted(checkpointId);
        }

        @Override
        public void pauseOrResumeSplits(java.util.Collection<String> toPause, java.util.Collection<String> toResume) {
            kafka.pauseOrResumeSplits(toPause, toResume);
        }

        @Override
        public void close() throws Exception {
            try {
                tracker.close();
            } finally {
                kafka.close();
            }
        }
    }
}
