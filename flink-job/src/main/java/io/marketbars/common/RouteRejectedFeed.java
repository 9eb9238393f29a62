package io.marketbars.common;

import io.marketbars.records.FeedRecord;
import io.marketbars.records.RejectReason;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/** {@link RouteRejected} for the index-values and foreign-flow feeds: rejected records to the dead letters, counted. */
public class RouteRejectedFeed<T extends FeedRecord> extends ProcessFunction<T, T> {
    private static final long serialVersionUID = 1L;

    private final String sourceTopic;
    private transient Counter recordsIn;
    private transient Counter deadLettered;
    private transient Map<RejectReason, Counter> byReason;

    public RouteRejectedFeed(String sourceTopic) {
        this.sourceTopic = sourceTopic;
    }

    @Override
    public void open(OpenContext openContext) {
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        recordsIn = metrics.counter("recordsIn");
        deadLettered = metrics.counter("deadLettered");
        byReason = new EnumMap<>(RejectReason.class);
        MetricGroup reasons = metrics.addGroup("deadLetterReason");
        for (RejectReason r : RejectReason.values()) {
            byReason.put(r, reasons.counter(r.name()));
        }
    }

    @Override
    public void processElement(T record, Context ctx, Collector<T> out) {
        if (record.isRejected()) {
            deadLettered.inc();
            byReason.get(RejectReason.valueOf(record.rejectReason)).inc();
            ctx.output(DeadLetters.TAG, DeadLetters.ofRejected(record, sourceTopic));
        } else {
            recordsIn.inc();
            out.collect(record);
        }
    }
}
