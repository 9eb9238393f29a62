package io.marketbars.functions;

import io.marketbars.records.Tick;
import java.util.Collection;
import java.util.Collections;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.streaming.api.windowing.assigners.WindowAssigner;
import org.apache.flink.streaming.api.windowing.triggers.EventTimeTrigger;
import org.apache.flink.streaming.api.windowing.triggers.Trigger;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;

/**
 * Tumbling 1-minute event-time windows assigned from the tick's own timestamp rather than the
 * stream record's. {@link OrderAndDeduplicate} releases many seconds of ticks from one timer when
 * the watermark jumps (a replay, a catch-up); those records all carry that timer's timestamp, but
 * each still belongs to the minute it traded in.
 */
public final class TickMinuteWindows extends WindowAssigner<Tick, TimeWindow> {
    private static final long serialVersionUID = 1L;
    private static final long MINUTE = 60_000L;

    @Override
    public Collection<TimeWindow> assignWindows(Tick tick, long recordTimestamp, WindowAssignerContext context) {
        long start = Math.floorDiv(tick.tsMillis(), MINUTE) * MINUTE;
        return Collections.singletonList(new TimeWindow(start, start + MINUTE));
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Trigger<Tick, TimeWindow> getDefaultTrigger() {
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
        return "TickMinuteWindows(1 min)";
    }
}
