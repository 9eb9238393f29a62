package io.marketbars.ohlcv;

import io.marketbars.common.Minutes;
import io.marketbars.functions.BarAccumulator;
import java.util.Collection;
import java.util.Collections;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.streaming.api.windowing.assigners.WindowAssigner;
import org.apache.flink.streaming.api.windowing.triggers.EventTimeTrigger;
import org.apache.flink.streaming.api.windowing.triggers.Trigger;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;

/**
 * Tumbling 1-minute event-time windows assigned from the partial bar's own trade time rather than
 * the stream record's timestamp. {@link OrderAndDeduplicate} emits parts from its timers, and
 * when the watermark jumps (a replay, a catch-up) one timer emits the parts of many minutes; those
 * records all carry that timer's timestamp, but each part still belongs to the minute it traded in
 * (a part never spans two minutes).
 */
public final class BarMinuteWindows extends WindowAssigner<BarAccumulator, TimeWindow> {
    private static final long serialVersionUID = 1L;

    @Override
    public Collection<TimeWindow> assignWindows(
            BarAccumulator part, long recordTimestamp, WindowAssignerContext context) {
        long start = Minutes.start(Math.floorDiv(part.openTs, 1000L));
        return Collections.singletonList(new TimeWindow(start, start + Minutes.MILLIS));
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Trigger<BarAccumulator, TimeWindow> getDefaultTrigger() {
        return (Trigger) EventTimeTrigger.create();
    }

    @Override
    public TypeSerializer<TimeWindow> getWindowSerializer(ExecutionConfig executionConfig) {
        return new TimeWindow.Serializer();
    }

    @Override
    public boolean isEventTime() {
        return true;
    }

    @Override
    public String toString() {
        return "BarMinuteWindows(1 min)";
    }
}
