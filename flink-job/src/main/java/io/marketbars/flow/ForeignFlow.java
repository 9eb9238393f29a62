package io.marketbars.flow;

import io.marketbars.common.DeadLetters;
import io.marketbars.common.EventTimePolicy;
import io.marketbars.common.FeedAdmission;
import io.marketbars.common.Minutes;
import io.marketbars.common.SortedRecords;
import io.marketbars.functions.FlowKeyState;
import io.marketbars.records.FlowBar;
import io.marketbars.records.FlowSnapshot;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Arrays;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Per symbol: orders foreign-flow snapshots by event time, turns them into per-minute flow with
 * {@link FlowBars}, and emits one {@link FlowBar} per minute once the watermark passes it, then
 * again (with every later minute whose totals it changes) when a late snapshot arrives.
 *
 * <p>Lateness is judged as for trades and index values: against the later of Flink's watermark and
 * the symbol's own clock, with the same clock-jump rule. Snapshots stay in state for the allowed
 * lateness past their minute, then fold into a small base (counters and day totals); when the
 * symbol's trading day is over and nothing is pending, the state is forgotten.
 */
public class ForeignFlow extends KeyedProcessFunction<String, FlowSnapshot, FlowBar> {
    private static final long serialVersionUID = 1L;

    private final EventTimePolicy policy;
    private final ZoneId zone;
    private final FeedAdmission admission;

    private transient ValueState<FlowKeyState> keyState;
    private transient Counter barsOut;
    private transient Counter barUpdates;
    private transient Counter resets;
    private transient Counter duplicates;
    private transient Counter corrections;
    private transient Counter lateAccepted;

    public ForeignFlow(EventTimePolicy policy, ZoneId zone, String sourceTopic) {
        this.policy = policy;
        this.zone = zone;
        this.admission = new FeedAdmission(policy, sourceTopic, "snapshot");
    }

    @Override
    public void open(OpenContext openContext) {
        keyState = getRuntimeContext().getState(new ValueStateDescriptor<>("flow-key-state", FlowKeyState.class));
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        barsOut = metrics.counter("flowBarsOut");
        barUpdates = metrics.counter("flowBarUpdatesFromLateSnapshots");
        resets = metrics.counter("flowFeedResets");
        duplicates = metrics.counter("flowDuplicates");
        corrections = metrics.counter("flowCorrections");
        lateAccepted = metrics.counter("flowLateAccepted");
        admission.open(metrics, "flow");
    }

    @Override
    public void processElement(FlowSnapshot snap, Context ctx, Collector<FlowBar> out) throws Exception {
        FlowKeyState s = keyState.value();
        if (s == null) {
            s = new FlowKeyState();
        }
        // Flink does not checkpoint watermarks: after a restore only the state knows what was emitted.
        long flinkWatermark = Math.max(ctx.timerService().currentWatermark(), s.closedThrough);
        FeedAdmission.Admission<FlowSnapshot> verdict =
                admission.admit(snap, s.clock, s.snapshots, flinkWatermark, d -> ctx.output(DeadLetters.TAG, d));
        s.snapshots = verdict.held();
        if (!verdict.admitted()) {
            return; // nothing changed: a dead-lettered record leaves the state as it was
        }
        s.snapshotRevision++;
        long ts = snap.tsMillis();
        long cleanup = policy.cleanupTime(ts);
        SortedRecords.Inserted<FlowSnapshot> inserted =
                SortedRecords.insert(s.snapshots, snap, ForeignFlow::samePayload);
        s.snapshots = inserted.records();
        SortedRecords.Outcome outcome = inserted.outcome();
        if (outcome == SortedRecords.Outcome.DUPLICATE || outcome == SortedRecords.Outcome.SUPERSEDED) {
            duplicates.inc();
        } else {
            if (outcome == SortedRecords.Outcome.CORRECTED) {
                corrections.inc();
            }
            long bucket = Minutes.start(ts);
            if (Minutes.lastMilli(bucket) <= flinkWatermark) {
                lateAccepted.inc();
                // Its minute and every later closed one: deltas and day totals run on from it.
                emit(ctx.getCurrentKey(), s, bucket, flinkWatermark, true, out);
            } else {
                ctx.timerService().registerEventTimeTimer(Minutes.lastMilli(bucket));
            }
            ctx.timerService().registerEventTimeTimer(cleanup);
        }
        keyState.update(s);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<FlowBar> out) throws Exception {
        FlowKeyState s = keyState.value();
        if (s == null) {
            return;
        }
        s.closedThrough = Math.max(s.closedThrough, timestamp);
        if (Minutes.isLastMilli(timestamp)) {
            long bucket = Minutes.start(timestamp);
            emit(ctx.getCurrentKey(), s, bucket, timestamp, false, out);
        }
        int pruned = 0;
        while (pruned < s.snapshots.length && policy.cleanupTime(s.snapshots[pruned].tsMillis()) <= timestamp) {
            FlowBars.apply(s.base, s.snapshots[pruned], zone, null);
            pruned++;
        }
        if (pruned > 0) {
            s.snapshots = Arrays.copyOfRange(s.snapshots, pruned, s.snapshots.length);
        }
        if (s.snapshots.length == 0 && s.base.day == Integer.MIN_VALUE) {
            keyState.clear(); // every snapshot held turned out to be a bad clock
            return;
        }
        if (s.snapshots.length == 0) {
            // The next day starts from zero whatever the base says: once the day is over (plus the
            // lateness), the base carries nothing a future snapshot needs.
            long endOfDay = LocalDate.ofEpochDay(s.base.day)
                    .plusDays(1)
                    .atStartOfDay(zone)
                    .toInstant()
                    .toEpochMilli();
            long forgetAt = endOfDay + policy.allowedLatenessMillis() + Minutes.MILLIS;
            if (timestamp >= forgetAt) {
                keyState.clear();
                return;
            }
            if (s.forgetTimer != forgetAt) {
                s.forgetTimer = forgetAt;
                ctx.timerService().registerEventTimeTimer(forgetAt);
            }
        }
        keyState.update(s);
    }

    /** Emits the bars of minutes from {@code from} on that are closed at {@code closedThrough}. */
    private void emit(
            String symbol, FlowKeyState s, long from, long closedThrough, boolean update, Collector<FlowBar> out) {
        for (FlowBar bar : FlowBars.fold(symbol, s.base.copy(), s.snapshots, zone)) {
            if (bar.bucketStartMillis >= from && Minutes.lastMilli(bar.bucketStartMillis) <= closedThrough) {
                bar.snapshotRevision = s.snapshotRevision;
                if (update) {
                    barUpdates.inc();
                } else {
                    barsOut.inc();
                    resets.inc(bar.resetCount);
                }
                out.collect(bar);
            }
        }
    }

    private static boolean samePayload(FlowSnapshot a, FlowSnapshot b) {
        return a.buyQty.compareTo(b.buyQty) == 0
                && a.sellQty.compareTo(b.sellQty) == 0
                && (a.hasValues()
                        ? b.hasValues()
                                && a.buyValue.compareTo(b.buyValue) == 0
                                && a.sellValue.compareTo(b.sellValue) == 0
                        : !b.hasValues());
    }
}
