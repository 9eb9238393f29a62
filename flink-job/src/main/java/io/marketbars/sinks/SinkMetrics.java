package io.marketbars.sinks;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * What the JDBC sink reports about its round trips to the database: how long each
 * {@code executeBatch()} took, how many batches and how many rows (after collapsing) went out, and
 * how many attempts failed. The connector itself reports only records in, not how slow the
 * database is, nor that it is refusing every batch (it logs, retries, then fails the task).
 */
public final class SinkMetrics {
    public static final String BATCH_LATENCY = "sinkBatchLatencyMillis";
    public static final String BATCHES = "sinkBatches";
    public static final String ROWS_WRITTEN = "sinkRowsWritten";
    /** Failed {@code executeBatch()} attempts, retries included. */
    public static final String BATCH_FAILURES = "sinkBatchFailures";
    /** Failed attempts since the last successful batch of this subtask; 0 while the database takes writes. */
    public static final String CONSECUTIVE_FAILURES = "sinkConsecutiveFailures";

    /** Latencies of the last this-many batches make up the histogram's percentiles. */
    static final int LATENCY_WINDOW = 500;

    private final Histogram batchLatencyMillis;
    private final Counter batches;
    private final Counter rowsWritten;
    private final Counter batchFailures;
    private final AtomicLong consecutiveFailures = new AtomicLong();

    private SinkMetrics(Histogram batchLatencyMillis, Counter batches, Counter rowsWritten, Counter batchFailures) {
        this.batchLatencyMillis = batchLatencyMillis;
        this.batches = batches;
        this.rowsWritten = rowsWritten;
        this.batchFailures = batchFailures;
    }

    /** Registers the metrics in the sink writer's group (the sink vertex in the Web UI). */
    public static SinkMetrics register(MetricGroup group) {
        SinkMetrics m = new SinkMetrics(
                group.histogram(BATCH_LATENCY, new DescriptiveStatisticsHistogram(LATENCY_WINDOW)),
                group.counter(BATCHES),
                group.counter(ROWS_WRITTEN),
                group.counter(BATCH_FAILURES));
        group.gauge(CONSECUTIVE_FAILURES, (Gauge<Long>) m.consecutiveFailures::get);
        return m;
    }

    /** Metrics nobody reads, for a statement used outside a Flink sink (tools, tests). */
    static SinkMetrics unregistered() {
        return new SinkMetrics(
                new DescriptiveStatisticsHistogram(LATENCY_WINDOW),
                new SimpleCounter(),
                new SimpleCounter(),
                new SimpleCounter());
    }

    void batchExecuted(long nanos, int rows) {
        batchLatencyMillis.update(nanos / 1_000_000L);
        batches.inc();
        rowsWritten.inc(rows);
        consecutiveFailures.set(0);
    }

    /** Returns how many attempts in a row have failed, this one included. */
    long batchFailed() {
        batchFailures.inc();
        return consecutiveFailures.incrementAndGet();
    }

    public Histogram batchLatencyMillis() {
        return batchLatencyMillis;
    }

    public long batches() {
        return batches.getCount();
    }

    public long rowsWritten() {
        return rowsWritten.getCount();
    }

    public long batchFailures() {
        return batchFailures.getCount();
    }

    public long consecutiveFailures() {
        return consecutiveFailures.get();
    }
}
