package io.marketbars.sinks;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * What the JDBC sink reports about its round trips to the database: how long each
 * {@code executeBatch()} took, how many batches and how many rows (after collapsing) went out.
 * The connector itself reports only records in, not how slow the database is.
 */
public final class SinkMetrics {
    public static final String BATCH_LATENCY = "sinkBatchLatencyMillis";
    public static final String BATCHES = "sinkBatches";
    public static final String ROWS_WRITTEN = "sinkRowsWritten";

    /** Latencies of the last this-many batches make up the histogram's percentiles. */
    static final int LATENCY_WINDOW = 500;

    private final Histogram batchLatencyMillis;
    private final Counter batches;
    private final Counter rowsWritten;

    private SinkMetrics(Histogram batchLatencyMillis, Counter batches, Counter rowsWritten) {
        this.batchLatencyMillis = batchLatencyMillis;
        this.batches = batches;
        this.rowsWritten = rowsWritten;
    }

    /** Registers the metrics in the sink writer's group (the sink vertex in the Web UI). */
    public static SinkMetrics register(MetricGroup group) {
        return new SinkMetrics(
                group.histogram(BATCH_LATENCY, new DescriptiveStatisticsHistogram(LATENCY_WINDOW)),
                group.counter(BATCHES),
                group.counter(ROWS_WRITTEN));
    }

    /** Metrics nobody reads, for a statement used outside a Flink sink (tools, tests). */
    static SinkMetrics unregistered() {
        return new SinkMetrics(new DescriptiveStatisticsHistogram(LATENCY_WINDOW), new SimpleCounter(), new SimpleCounter());
    }

    void batchExecuted(long nanos, int rows) {
        batchLatencyMillis.update(nanos / 1_000_000L);
        batches.inc();
        rowsWritten.inc(rows);
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
}
