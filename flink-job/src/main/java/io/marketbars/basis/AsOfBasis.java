package io.marketbars.basis;

import io.marketbars.common.DeadLetters;
import io.marketbars.common.EventTimePolicy;
import io.marketbars.common.FeedAdmission;
import io.marketbars.common.Minutes;
import io.marketbars.common.SortedRecords;
import io.marketbars.functions.BasisKeyScalars;
import io.marketbars.functions.BasisKeyState;
import io.marketbars.records.BasisBar;
import io.marketbars.records.IndexValue;
import io.marketbars.records.RejectReason;
import io.marketbars.records.Tick;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
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
 *
 * <p>State layout (cheap on RocksDB): the scalars in one small value ({@link BasisKeyScalars}),
 * the futures trades in a list state (a trade appends), the index values in a map state keyed by
 * their event time in microseconds (a value looks up and puts its own instant). Everything is read
 * together, sorted, only where a bar is computed: when a minute closes, when a late record changes
 * a closed minute, and at the pruning timers. A 0.1.0 savepoint's single {@link BasisKeyState}
 * value is moved into them the first time its index is touched.
 */
public class AsOfBasis extends KeyedCoProcessFunction<String, Tick, IndexValue, BasisBar> {
    private static final long serialVersionUID = 1L;

    /** The 0.1.0 layout: everything in one value. Read only to migrate a restored index. */
    static final String LEGACY_STATE = "basis-key-state";

    static final String SCALARS_STATE = "basis-key-scalars";
    static final String TRADES_STATE = "basis-futures-trades";
    static final String INDEX_STATE = "basis-index-values";

    private final EventTimePolicy policy;
    private final FuturesContracts contracts;
    private final String tradesTopic;
    private final FeedAdmission admission;

    private transient ValueState<BasisKeyState> legacyState;
    private transient ValueState<BasisKeyScalars> scalars;
    private transient ListState<Tick> trades;
    private transient MapState<Long, IndexValue> index;
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
        legacyState = getRuntimeContext().getState(new ValueStateDescriptor<>(LEGACY_STATE, BasisKeyState.class));
        scalars = getRuntimeContext().getState(new ValueStateDescriptor<>(SCALARS_STATE, BasisKeyScalars.class));
        trades = getRuntimeContext()
                .getListState(new ListStateDescriptor<>(TRADES_STATE, TypeInformation.of(Tick.class)));
        index = getRuntimeContext()
                .getMapState(new MapStateDescriptor<>(INDEX_STATE, Types.LONG, TypeInformation.of(IndexValue.class)));
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

    /** A key's trades and index values, read together and sorted, for computing bars. */
    private static final class Held {
        Tick[] trades;
        IndexValue[] index;
    }

    @Override
    public void processElement1(Tick trade, Context ctx, Collector<BasisBar> out) throws Exception {
        BasisKeyScalars s = state();
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
        trades.add(trade);
        long bucket = Minutes.start(ts);
        if (Minutes.lastMilli(bucket) <= watermark) {
            emit(trade.symbol, ctx.getCurrentKey(), bucket, s, held(), out, true);
        } else {
            ctx.timerService().registerEventTimeTimer(Minutes.lastMilli(bucket));
        }
        ctx.timerService().registerEventTimeTimer(cleanup);
        scalars.update(s);
    }

    @Override
    public void processElement2(IndexValue v, Context ctx, Collector<BasisBar> out) throws Exception {
        BasisKeyScalars s = state();
        long flinkWatermark = closedThrough(ctx.timerService().currentWatermark(), s);
        boolean admitted = admission.admit(
                v, s.indexClock, flinkWatermark, this::removeIndexValue, d -> ctx.output(DeadLetters.TAG, d));
        if (!admitted) {
            return; // nothing changed: a dead-lettered record leaves the state as it was
        }
        s.indexRevision++;
        long ts = v.tsMillis();
        long cleanup = policy.cleanupTime(ts);
        // At most one value per instant: a repeat is a duplicate, a different value a correction
        // (the later Kafka offset wins), exactly as SortedRecords.insert decides for arrays.
        IndexValue atInstant = index.get(v.tsMicros);
        SortedRecords.Outcome outcome;
        if (atInstant == null) {
            index.put(v.tsMicros, v);
            outcome = SortedRecords.Outcome.ADDED;
        } else if (atInstant.value.compareTo(v.value) == 0) {
            outcome = SortedRecords.Outcome.DUPLICATE;
        } else if (io.marketbars.records.FeedRecord.compareOrder(atInstant, v) > 0) {
            outcome = SortedRecords.Outcome.SUPERSEDED;
        } else {
            index.put(v.tsMicros, v);
            outcome = SortedRecords.Outcome.CORRECTED;
        }
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
                    reemitAffected(v, ctx.getCurrentKey(), flinkWatermark, s, held(), out);
                }
                ctx.timerService().registerEventTimeTimer(cleanup);
                break;
            default:
                throw new IllegalStateException(outcome.name());
        }
        scalars.update(s);
    }

    /** Takes the index value from (partition, offset) out, if held. Rare: a refuted clock jump. */
    private IndexValue removeIndexValue(int partition, long offset) throws Exception {
        Iterator<Map.Entry<Long, IndexValue>> it = index.iterator();
        while (it.hasNext()) {
            IndexValue v = it.next().getValue();
            if (v.partition == partition && v.offset == offset) {
                it.remove();
                return v;
            }
        }
        return null;
    }

    /** A late index value changes the trades from it up to the next value: re-emit their closed minutes. */
    private void reemitAffected(
            IndexValue v, String underlying, long watermark, BasisKeyScalars s, Held h, Collector<BasisBar> out) {
        int i = SortedRecords.lastAtOrBefore(h.index, v.tsMicros);
        long until = i + 1 < h.index.length ? h.index[i + 1].tsMicros : Long.MAX_VALUE;
        Set<String> minutes = new LinkedHashSet<>();
        for (Tick t : h.trades) {
            long bucket = Minutes.start(t.tsMillis());
            if (t.tsMicros >= v.tsMicros
                    && t.tsMicros < until
                    && Minutes.lastMilli(bucket) <= watermark
                    && minutes.add(t.symbol + '\u0000' + bucket)) {
                emit(t.symbol, underlying, bucket, s, h, out, true);
            }
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<BasisBar> out) throws Exception {
        BasisKeyScalars s = scalars();
        if (s == null) {
            return;
        }
        s.closedThrough = Math.max(s.closedThrough, timestamp);
        Held h = held();
        if (Minutes.isLastMilli(timestamp)) {
            long bucket = Minutes.start(timestamp);
            Set<String> contractsInMinute = new LinkedHashSet<>();
            for (Tick t : h.trades) {
                if (Minutes.start(t.tsMillis()) == bucket && contractsInMinute.add(t.symbol)) {
                    emit(t.symbol, ctx.getCurrentKey(), bucket, s, h, out, false);
                }
            }
        }
        prune(h, timestamp);
        if (h.trades.length == 0 && h.index.length == 0) {
            scalars.clear();
            trades.clear();
            index.clear();
            return;
        }
        if (h.trades.length == 0) {
            // Only index values are left: after the last one's trading day they can join nothing,
            // so a timer then forgets them (one per index, while it has no futures trades).
            long endOfDay = java.time.LocalDate.ofEpochDay(
                            contracts.tradingDay(h.index[h.index.length - 1].tsMillis()) + 1L)
                    .atStartOfDay(contracts.zone())
                    .toInstant()
                    .toEpochMilli();
            ctx.timerService().registerEventTimeTimer(endOfDay + policy.allowedLatenessMillis() + Minutes.MILLIS);
        }
        scalars.update(s);
    }

    /**
     * Drops what no accepted record can change any more: trades whose minute is past its lateness,
     * and index values older than every trade that may still arrive, except the last of those
     * (the as-of base). A last value from an earlier day is dropped too: it can join nothing.
     */
    private void prune(Held h, long watermark) throws Exception {
        int keep = 0;
        while (keep < h.trades.length && policy.cleanupTime(h.trades[keep].tsMillis()) <= watermark) {
            keep++;
        }
        if (keep > 0) {
            h.trades = Arrays.copyOfRange(h.trades, keep, h.trades.length);
            if (h.trades.length == 0) {
                trades.clear();
            } else {
                trades.update(Arrays.asList(h.trades));
            }
        }
        // A trade still to come is in a minute whose cleanup time is after the watermark, so it is
        // later than this instant; the last value at or before it is all it can need from before.
        long oldestTradeMillis = watermark - policy.allowedLatenessMillis() - (Minutes.MILLIS - 1);
        int base = SortedRecords.lastAtOrBefore(h.index, oldestTradeMillis * 1000L);
        if (base > 0) {
            for (int i = 0; i < base; i++) {
                index.remove(h.index[i].tsMicros);
            }
            h.index = Arrays.copyOfRange(h.index, base, h.index.length);
        }
        if (h.index.length == 1
                && h.trades.length == 0
                && contracts.tradingDay(h.index[0].tsMillis()) < contracts.tradingDay(oldestTradeMillis)) {
            index.remove(h.index[0].tsMicros);
            h.index = new IndexValue[0];
        }
    }

    private void emit(
            String contract,
            String underlying,
            long bucket,
            BasisKeyScalars s,
            Held h,
            Collector<BasisBar> out,
            boolean update) {
        BasisBar bar = BasisBars.compute(contract, underlying, bucket, h.trades, h.index, contracts);
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

    /** The key's trades in {@link Tick#compareOrder} order and its index values in time order. */
    private Held held() throws Exception {
        Held h = new Held();
        List<Tick> t = new ArrayList<>();
        Iterable<Tick> tradesHeld = trades.get();
        if (tradesHeld != null) {
            for (Tick x : tradesHeld) {
                t.add(x);
            }
        }
        h.trades = t.toArray(new Tick[0]);
        Arrays.sort(h.trades, Tick::compareOrder);
        List<IndexValue> v = new ArrayList<>();
        for (IndexValue x : index.values()) {
            v.add(x);
        }
        h.index = v.toArray(new IndexValue[0]);
        Arrays.sort(h.index, (a, b) -> Long.compare(a.tsMicros, b.tsMicros));
        return h;
    }

    /**
     * The instant through which minutes are closed: Flink's watermark, or the last minute this key
     * emitted if that is later. Flink does not checkpoint watermarks, so right after a restore only
     * the state knows which minutes were emitted and must be re-emitted when a late record changes them.
     */
    static long closedThrough(long flinkWatermark, BasisKeyScalars s) {
        return Math.max(flinkWatermark, s.closedThrough);
    }

    private BasisKeyScalars state() throws Exception {
        BasisKeyScalars s = scalars();
        return s != null ? s : new BasisKeyScalars();
    }

    /**
     * The key's scalars, or null for a key with no state. A key restored from a 0.1.0 savepoint
     * still has its single {@link BasisKeyState} value: it is moved into the new states here, once,
     * and cleared.
     */
    private BasisKeyScalars scalars() throws Exception {
        BasisKeyScalars s = scalars.value();
        if (s != null) {
            return s;
        }
        BasisKeyState old = legacyState.value();
        if (old == null) {
            return null;
        }
        s = BasisKeyScalars.of(old);
        if (old.trades != null && old.trades.length > 0) {
            trades.update(Arrays.asList(old.trades));
        }
        if (old.index != null) {
            for (IndexValue v : old.index) {
                index.put(v.tsMicros, v);
            }
        }
        scalars.update(s);
        legacyState.clear();
        return s;
    }
}
