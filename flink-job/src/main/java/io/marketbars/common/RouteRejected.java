package io.marketbars.common;

import io.marketbars.records.DeadLetter;
import io.marketbars.records.FeedRecord;
import io.marketbars.records.RejectReason;
import io.marketbars.records.Tick;
import io.marketbars.records.Timestamped;
import java.io.Serializable;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The first step after every source: records the parser rejected go to the dead-letter output,
 * valid ones go on, and both paths are counted ({@code <in>}, {@code deadLettered}, and one
 * counter per reason under {@code deadLetterReason}). One router for every feed; the trades' one
 * also rewrites each valid record on the way (futures aliases to contract codes).
 */
public final class RouteRejected<T extends Timestamped> extends ProcessFunction<T, T> {
    private static final long serialVersionUID = 1L;

    /** A change applied to every valid record before it leaves the router, counted when it changes one. */
    public interface Rewrite<T> extends Serializable {
        /** The counter of records this rewrite changed. */
        String metricName();

        /** Rewrites {@code record} in place; true when it changed it. */
        boolean apply(T record);
    }

    private final String sourceTopic;
    private final String inMetric;
    private final Rewrite<T> rewrite;

    private transient Counter in;
    private transient Counter rewritten;
    private transient Counter deadLettered;
    private transient Map<RejectReason, Counter> byReason;

    private RouteRejected(String sourceTopic, String inMetric, Rewrite<T> rewrite) {
        this.sourceTopic = sourceTopic;
        this.inMetric = inMetric;
        this.rewrite = rewrite;
    }

    /** The trades' router: valid ticks counted as {@code ticksIn}, each rewritten by {@code rewrite}. */
    public static RouteRejected<Tick> trades(String sourceTopic, Rewrite<Tick> rewrite) {
        return new RouteRejected<>(sourceTopic, "ticksIn", rewrite);
    }

    /** The router of the index-values or foreign-flow feed: valid records counted as {@code recordsIn}. */
    public static <T extends FeedRecord> RouteRejected<T> feed(String sourceTopic) {
        return new RouteRejected<>(sourceTopic, "recordsIn", null);
    }

    @Override
    public void open(OpenContext openContext) {
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        in = metrics.counter(inMetric);
        deadLettered = metrics.counter("deadLettered");
        if (rewrite != null) {
            rewritten = metrics.counter(rewrite.metricName());
        }
        byReason = new EnumMap<>(RejectReason.class);
        MetricGroup reasons = metrics.addGroup("deadLetterReason");
        for (RejectReason r : RejectReason.values()) {
            byReason.put(r, reasons.counter(r.name()));
        }
    }

    @Override
    public void processElement(T record, Context ctx, Collector<T> out) {
        if (record.isRejected()) {
            DeadLetter d = DeadLetters.ofRejected(record, sourceTopic);
            deadLettered.inc();
            byReason.get(RejectReason.valueOf(d.reason)).inc();
            ctx.output(DeadLetters.TAG, d);
        } else {
            in.inc();
            if (rewrite != null && rewrite.apply(record)) {
                rewritten.inc();
            }
            out.collect(record);
        }
    }
}
