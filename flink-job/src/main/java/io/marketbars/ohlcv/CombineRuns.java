package io.marketbars.ohlcv;

import io.marketbars.common.Minutes;
import io.marketbars.functions.BarAccumulator;
import io.marketbars.records.Tick;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Folds each run of consecutive ticks of one symbol and minute into one partial bar before the
 * window. {@link OrderAndDeduplicate} releases a symbol's ticks together when the watermark
 * passes them, so in a replay or a catch-up a run is dozens of ticks, and the window operator
 * (which registers two timers per element) sees one element per run instead of one per tick.
 *
 * <p>Stateless: a run is emitted before any watermark or checkpoint barrier passes this
 * operator, so it never holds anything a checkpoint would need, and never delays a bar.
 */
public final class CombineRuns extends AbstractStreamOperator<BarAccumulator>
        implements OneInputStreamOperator<Tick, BarAccumulator>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    private transient BarAccumulator run;
    private transient long runMinute;
    private transient long runTimestamp;

    @Override
    public void processElement(StreamRecord<Tick> element) {
        Tick t = element.getValue();
        long minute = Minutes.ofMicros(t.tsMicros);
        if (run != null && (minute != runMinute || !run.symbol.equals(t.symbol))) {
            emitRun();
        }
        if (run == null) {
            run = new BarAccumulator();
            run.symbol = t.symbol;
            runMinute = minute;
        }
        BarAggregate.addTick(run, t);
        runTimestamp = element.getTimestamp();
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        emitRun();
        super.processWatermark(mark);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        emitRun();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void endInput() {
        emitRun();
    }

    private void emitRun() {
        if (run != null) {
            output.collect(new StreamRecord<>(run, runTimestamp));
            run = null; // the window owns the emitted object now
        }
    }
}
