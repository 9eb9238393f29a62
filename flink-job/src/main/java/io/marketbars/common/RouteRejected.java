package io.marketbars.common;

import io.marketbars.basis.FuturesContracts;
import io.marketbars.records.RejectReason;
import io.marketbars.records.Tick;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Sends records the parser rejected to the dead-letter output and counts both paths. Valid trades
 * on a rolling futures alias (VN30F1M) leave here under the real contract code of their trading
 * day, so bars, deduplication and the basis all see one symbol per contract.
 */
public class RouteRejected extends ProcessFunction<Tick, Tick> {
    private static final long serialVersionUID = 1L;

    private final String sourceTopic;
    private final FuturesContracts contracts;
    private transient Counter ticksIn;
    private transient Counter aliasesResolved;
    private transient Counter deadLettered;
    private transient Map<RejectReason, Counter> byReason;

    public RouteRejected(String sourceTopic, FuturesContracts contracts) {
        this.sourceTopic = sourceTopic;
        this.contracts = contracts;
    }

    @Override
    public void open(OpenContext openContext) {
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        ticksIn = metrics.counter("ticksIn");
        deadLettered = metrics.counter("deadLettered");
        aliasesResolved = metrics.counter("futuresAliasesResolved");
        byReason = new EnumMap<>(RejectReason.class);
        MetricGroup reasons = metrics.addGroup("deadLetterReason");
        for (RejectReason r : RejectReason.values()) {
            byReason.put(r, reasons.counter(r.name()));
        }
    }

    @Override
    public void processElement(Tick tick, Context ctx, Collector<Tick> out) {
        if (tick.isRejected()) {
            deadLettered.inc();
            byReason.get(RejectReason.valueOf(tick.rejectReason)).inc();
            ctx.output(DeadLetters.TAG, DeadLetters.ofRejected(tick, sourceTopic));
        } else {
            ticksIn.inc();
            String contract = contracts.resolve(tick.symbol, tick.tsMillis());
            if (!contract.equals(tick.symbol)) {
                aliasesResolved.inc();
                tick.symbol = contract;
            }
            out.collect(tick);
        }
    }
}
