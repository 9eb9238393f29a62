package io.marketbars.basis;

import io.marketbars.common.DeadLetters;
import io.marketbars.common.EventTimePolicy;
import io.marketbars.common.FeedAdmission;
import io.marketbars.common.Minutes;
import io.marketbars.common.SortedRecords;
import io.marketbars.functions.BasisKeyState;
import io.marketbars.records.BasisBar;
import io.marketbars.records.IndexValue;
import io.marketbars.records.RejectReason;
import io.marketbars.records.Tick;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Per underlying index: joins each futures trade, in event time, with the latest index value at or
 * before it, and emits one {@link BasisBar} per contract and minute once the watermark passes the
 * minute, then again whenever a late trade or a late index value changes it.
 *
 * <p>Trades arrive deduplicated, ordered and already judged for lateness by
 * {@link io.marketbars.ohlcv.OrderAndDeduplicate}; index values are judged here, against the later of Flink's watermark
 * and the index's own clock, exactly as trades are. A minute is emitted when the watermark (the
 * minimum of both inputs) passes its end, so every index value that is not late has arrived. Each
 * bar is recomputed from everything held ({@link BasisBars#compute}), so the result does not depend
 * on arrival order, on replays or on parallelism, only on which records were accepted.
 *
 * <p>State is bounded: trades and index values stay for the allowed lateness past their minute,
 * plus the last index value before that as the base of the as-of join.
 */
public class AsOfBasis extends KeyedCoProcessFunction<String, Tick, IndexValue, BasisBar> {
    private static final long serialVersionUID = 1L;

    private final EventTimePolicy policy;
    private final FuturesContracts contracts;
    private final String tradesTopic;
    private final FeedAdmission admission;

    private transient ValueState<BasisKeyState> keyState;
    private transient Counter barsOut;
    private transient Counter barUpdates;
    private transient Counter tradesJoined;
    private transient Counter tradesUnjoined;
    private transient Counter indexDuplicates;
    private transient Counter indexCorrections;
    private transient Counter indexLateAccepted;
    private transient Counter tradesTooLate;

    public AsOfBasis(EventTimePolicy policy, FuturesContracts contracts, String tradesTopic, String indexTopic) {
        this.policy = policy;
        this.contracts = contracts;
        this.tradesTopic = tradesTopic;
        this.admission = new FeedAdmission(policy, indexTopic, "index value");
    }

    @Override
    public void open(OpenContext openContext) {
        keyState = getRuntimeContext().getState(new ValueStateDescriptor<>("basis-key-state", BasisKeyState.class));
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        barsOut = metrics.counter("basisBarsOut");
        barUpdates = metrics.counter("basisBarUpdatesFromLateRecords");
        tradesJoined = metrics.counter("futuresTradesJoined");
        tradesUnjoined = metrics.counter("futuresTradesWithoutIndex");
        indexDuplicates = metrics.counter("indexDuplicates");
        indexCorrections = metrics.counter("indexCorrections");
        indexLateAccepted = metrics.counter("indexLateAccepted");
        admission.open(metrics, "index");
        tradesTooLate = metrics.counter("futuresTradesTooLate");
    }

    @Override
    public void processElement1(Tick trade, Context ctx, Collector<BasisBar> out) throws Exception {
        BasisKeyState s = state();
        long watermark = closedThrough(ctx.timerService().currentWatermark(), s);
        long ts = trade.tsMillis();
        long cleanup = policy.cleanupTime(ts);
        if (cleanup <= watermark) {
            // Cannot happen: upstream judged the trade against a watermark at least this one.
            // Wired anyway, so nothing could vanish silently.
            tradesTooLate.inc();
            ctx.output(
                    DeadLetters.TAG,
                    DeadLetters.ofValidTick(
                            trade,
                            RejectReason.LATE_BEYOND_ALLOWED_LATENESS,
                            "basis minute already purged at watermark " + watermark,
                            tradesTopic));
            return;
        }
        s.addTrade(trade);
        long bucket = Minutes.start(ts);
        if (Minutes.lastMilli(bucket) <= watermark) {
            emit(trade.symbol, ctx.getCurrentKey(), bucket, s, out, true);
        } else {
            ctx.timerService().registerEventTimeTimer(Minutes.lastMilli(bucket));
        }
        ctx.timerService().registerEventTimeTimer(cleanup);
        keyState.update(s);
    }

    @Override
    public void processElement2(IndexValue v, Context ctx, Collector<BasisBar> out) throws Exception {
        BasisKeyState s = state();
        long flinkWatermark = closedThrough(ctx.timerService().currentWatermark(), s);
        FeedAdmission.Admission<IndexValue> verdict =
                admission.admit(v, s.indexClock, s.index, flinkWatermark, d -> ctx.output(DeadLetters.TAG, d));
        s.index = verdict.held();
        if (!verdict.admitted()) {
            return; // nothing changed: a dead-lettered record leaves the state as it was
        }
        s.indexRevision++;
        long ts = v.tsMillis();
        long cleanup = policy.cleanupTime(ts);
        SortedRecords.Inserted<IndexValue> inserted =
                SortedRecords.insert(s.index, v, (a, b) -> a.value.compareTo(b.value) == 0);
        s.index = inserted.records();
        SortedRecords.Outcome outcome = inserted.outcome();
        switch (outcome) {
            case DUPLICATE:
            case SUPERSEDED:
                indexDuplicates.inc();
                break;
            case CORRECTED:
                indexCorrections.inc();
            // fall through: a correction changes bars exactly as a new value does
            case ADDED:
                if (ts <= flinkWatermark) {
                    indexLateAccepted.inc();
                    reemitAffected(v, ctx.getCurrentKey(), flinkWatermark, s, out);
                }
                ctx.timerService().registerEventTimeTimer(cleanup);
                break;
            default:
                throw new IllegalStateException(outcome.name());
        }
        keyState.update(s);
    }

    /** A late index value changes the trades from it up to the next value: re-emit their closed minutes. */
    private void reemitAffected(
            IndexValue v, String underlying, long watermark, BasisKeyState s, Collector<BasisBar> out) {
        int i = SortedRecords.lastAtOrBefore(s.index, v.tsMicros);
        long until = i + 1 < s.index.length ? s.index[i + 1].tsMicros : Long.MAX_VALUE;
        Set<String> minutes = new LinkedHashSet<>();
        for (Tick t : s.trades) {
            long bucket = Minutes.start(t.tsMillis());
            if (t.tsMicros >= v.tsMicros
                    && t.tsMicros < until
                    && Minutes.lastMilli(bucket) <= watermark
                    && minutes.add(t.symbol + '\u0000' + bucket)) {
                emit(t.symbol, underlying, bucket, s, out, true);
            }
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<BasisBar> out) throws Exception {
        BasisKeyState s = keyState.value();
        if (s == null) {
            return;
        }
        s.closedThrough = Math.max(s.closedThrough, timestamp);
        if (Minutes.isLastMilli(timestamp)) {
            long bucket = Minutes.start(timestamp);
            Set<String> contractsInMinute = new LinkedHashSet<>();
            for (Tick t : s.trades) {
                if (Minutes.start(t.tsMillis()) == bucket && contractsInMinute.add(t.symbol)) {
                    emit(t.symbol, ctx.getCurrentKey(), bucket, s, out, false);
                }
            }
        }
        prune(s, timestamp);
        if (s.trades.length == 0 && s.index.length == 0) {
            keyState.clear();
            return;
        }
        if (s.trades.length == 0) {
            // Only index values are left: after the last one's trading day they can join nothing,
            // so a timer then forgets them (one per index, while it has no futures trades).
            long endOfDay = java.time.LocalDate.ofEpochDay(
                            contracts.tradingDay(s.index[s.index.length - 1].tsMillis()) + 1L)
                    .atStartOfDay(contracts.zone())
                    .toInstant()
                    .toEpochMilli();
            ctx.timerService().registerEventTimeTimer(endOfDay + policy.allowedLatenessMillis() + Minutes.MILLIS);
        }
        keyState.update(s);
    }

    /**
     * Drops what no accepted record can change any more: trades whose minute is past its lateness,
     * and index values older than every trade that may still arrive, except the last of those
     * (the as-of base). A last value from an earlier day is dropped too: it can join nothing.
     */
    private void prune(BasisKeyState s, long watermark) {
        int keep = 0;
        while (keep < s.trades.length && policy.cleanupTime(s.trades[keep].tsMillis()) <= watermark) {
            keep++;
        }
        if (keep > 0) {
            s.trades = java.util.Arrays.copyOfRange(s.trades, keep, s.trades.length);
        }
        // A trade still to come is in a minute whose cleanup time is after the watermark, so it is
        // later than this instant; the last value at or before it is all it can need from before.
        long oldestTradeMillis = watermark - policy.allowedLatenessMillis() - (Minutes.MILLIS - 1);
        int base = SortedRecords.lastAtOrBefore(s.index, oldestTradeMillis * 1000L);
        if (base > 0) {
            s.index = java.util.Arrays.copyOfRange(s.index, base, s.index.length);
        }
        if (s.index.length == 1
                && s.trades.length == 0
                && contracts.tradingDay(s.index[0].tsMillis()) < contracts.tradingDay(oldestTradeMillis)) {
            s.index = new IndexValue[0];
        }
    }

    private void emit(
            String contract, String underlying, long bucket, BasisKeyState s, Collector<BasisBar> out, boolean update) {
        BasisBar bar = BasisBars.compute(contract, underlying, bucket, s.trades, s.index, contracts);
        if (bar == null) {
            return;
        }
        bar.indexRevision = s.indexRevision;
        if (update) {
            barUpdates.inc();
        } else {
            barsOut.inc();
            tradesJoined.inc(bar.joinedCount);
            tradesUnjoined.inc(bar.unjoinedCount);
        }
        out.collect(bar);
    }

    /**
     * The instant through which minutes are closed: Flink's watermark, or the last minute this key
     * emitted if that is later. Flink does not checkpoint watermarks, so right after a restore only
     * the state knows which minutes were emitted and must be re-emitted when a late record changes them.
     */
    static long closedThrough(long flinkWatermark, BasisKeyState s) {
        return Math.max(flinkWatermark, s.closedThrough);
    }

    private BasisKeyState state() throws java.io.IOException {
        BasisKeyState s = keyState.value();
        return s != null ? s : new BasisKeyState();
    }
}
