package io.marketbars.ohlcv;

import io.marketbars.functions.BarAccumulator;
import io.marketbars.records.Bar;
import java.math.RoundingMode;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/** Stamps the finished accumulator with its symbol and minute and derives VWAP. */
public class BarWindowFunction extends ProcessWindowFunction<BarAccumulator, Bar, String, TimeWindow> {
    private static final long serialVersionUID = 1L;

    private static final ValueStateDescriptor<Boolean> EMITTED =
            new ValueStateDescriptor<>("bar-emitted", Boolean.class);

    private transient Counter barsOut;
    private transient Counter barUpdates;

    @Override
    public void open(OpenContext openContext) {
        barsOut = getRuntimeContext().getMetricGroup().counter("barsOut");
        barUpdates = getRuntimeContext().getMetricGroup().counter("barUpdatesFromLateTicks");
    }

    @Override
    public void process(String symbol, Context ctx, Iterable<BarAccumulator> accumulators, Collector<Bar> out) {
        BarAccumulator a = accumulators.iterator().next();
        Bar bar = new Bar();
        bar.symbol = symbol;
        bar.bucketStartMillis = ctx.window().getStart();
        bar.open = a.open;
        bar.high = a.high;
        bar.low = a.low;
        bar.close = a.close;
        bar.volume = a.volume;
        bar.turnover = a.turnover;
        bar.vwap = a.volume.signum() == 0 ? null : a.turnover.divide(a.volume, Bar.VWAP_SCALE, RoundingMode.HALF_EVEN);
        bar.tradeCount = a.tradeCount;
        bar.buyVolume = a.buyVolume;
        bar.sellVolume = a.sellVolume;
        bar.firstTradeMicros = a.openTs;
        bar.lastTradeMicros = a.closeTs;
        // A window fires once on time and again for each accepted late tick.
        ValueState<Boolean> emitted = ctx.windowState().getState(EMITTED);
        try {
            if (emitted.value() != null) {
                barUpdates.inc();
            } else {
                emitted.update(Boolean.TRUE);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        barsOut.inc();
        out.collect(bar);
    }

    @Override
    public void clear(Context ctx) {
        ctx.windowState().getState(EMITTED).clear();
    }
}
