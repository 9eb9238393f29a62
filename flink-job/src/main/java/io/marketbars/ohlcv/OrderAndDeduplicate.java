package io.marketbars.ohlcv;

import io.marketbars.common.ClockJumps;
import io.marketbars.common.DeadLetters;
import io.marketbars.common.EventTimePolicy;
import io.marketbars.common.Minutes;
import io.marketbars.functions.BarAccumulator;
import io.marketbars.functions.TradeKeyScalars;
import io.marketbars.functions.TradeKeyState;
import io.marketbars.records.DeadLetter;
import io.marketbars.records.RejectReason;
import io.marketbars.records.Tick;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.FilterFunction;
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
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Per symbol: drops duplicate (symbol, seq) ticks, routes ticks beyond the allowed lateness to the
 * dead-letter output, releases the others in (ts, seq, partition, offset) order once the watermark
 * has passed them, classifying each trade's side on the way, and folds the released ticks of each
 * minute into one partial bar ({@link BarAccumulator}) that goes to the window when the watermark
 * passes the minute's end.
 *
 * <p>When a release happens does not change any result, only that it comes before the minute's
 * part goes out; so it costs no timer per release. The symbol's own next tick releases what the
 * watermark has passed (its scalars are read then anyway), and one timer per symbol, at the end of
 * the earliest pending tick's minute, releases the rest and sends the part. Every release is a
 * prefix of the sorted pending ticks at or before the watermark, and every tick that waits is
 * after the watermark it arrived at, so the released sequence is the same, in the same order, as
 * releasing at each watermark would give.
 *
 * <p>Releasing in event-time order is what makes the tick rule deterministic: the "previous trade"
 * is the previous one in (ts, seq) order, whatever order Kafka partitions interleaved in. A tick
 * that arrives after the watermark passed it (late, but within the allowed lateness) goes on at
 * once as a part of its own (or into the open minute's part, when it belongs to it) so its bar is
 * updated; it keeps its explicit or quote-rule side, and is left unclassified rather than compared
 * with a price that followed it. State is bounded: pending ticks live for the out-of-orderness
 * bound plus the time to the symbol's next tick (at most to their minute's end), the partial bar
 * for one minute, seen sequence numbers until their bar can no longer change.
 *
 * <p>Folding here rather than in the window is what keeps a busy job cheap: the window's state and
 * its two timers are touched once per symbol and minute instead of once per release, and a release
 * already holds the symbol's scalars, where the partial bar lives. The part carries every field
 * with its ordering key, so the window merges it with late parts in any order.
 *
 * <p>Released ticks for which {@code passOn} holds (the futures trades the basis join needs) also
 * go, in the same order and classified, to {@link #RELEASED_TICKS}.
 *
 * <p>"Late" is judged against the later of Flink's watermark and the symbol's own watermark (its
 * newest tick minus the out-of-orderness bound, kept in state). Flink's watermark alone would make
 * the verdict depend on timing: in a replay, periodic watermarks trail the records by whatever the
 * source reads in 200 ms, and after a restore it starts from nothing. The symbol's own watermark
 * depends only on the order of that symbol's ticks in its partition, so a replay, a restore or a
 * different parallelism reach the same verdicts.
 *
 * <p>State layout (cheap on RocksDB, where every access (de)serializes what it touches): the
 * scalars, the open minute's partial bar and a lone waiting tick in one small value
 * ({@link TradeKeyScalars}), more waiting ticks in a list state (a tick appends; a release reads
 * the list, sorts it and keeps the rest), the seen sequence numbers in a map state (seq to expiry;
 * a tick puts one entry, and looks one up only if its seq is not above the symbol's highest;
 * expired ones go in bulk when the watermark passes the earliest expiry, about once a minute). A 0.1.0 savepoint's single {@link TradeKeyState} value is moved into them the first
 * time its symbol is touched.
 */
public class OrderAndDeduplicate extends KeyedProcessFunction<String, Tick, BarAccumulator> {
    private static final long serialVersionUID = 1L;

    /** The 0.1.0 layout: everything in one value. Read only to migrate a restored symbol. */
    static final String LEGACY_STATE = "trade-key-state";

    static final String SCALARS_STATE = "trade-key-scalars";
    static final String PENDING_STATE = "trade-pending-ticks";
    static final String SEEN_STATE = "trade-seen-seqs";

    /** Released ticks, in order and classified, of the symbols {@code passOn} selects. */
    public static final OutputTag<Tick> RELEASED_TICKS =
            new OutputTag<>("released-ticks", TypeInformation.of(Tick.class));

    private final EventTimePolicy policy;
    private final long stateRetentionMillis;
    private final String sourceTopic;
    private final FilterFunction<Tick> passOn;

    private transient ValueState<TradeKeyState> legacyState;
    private transient ValueState<TradeKeyScalars> scalars;
    private transient ListState<Tick> pending;
    private transient MapState<Long, Long> seen;
    private transient Counter duplicates;
    private transient Counter lateAccepted;
    private transient Counter lateDeadLettered;
    private transient Counter outOfRange;
    private transient Counter forgotten;
    private transient volatile long lastWatermark;
    /** The last expiry boxed for the seen map: a minute's ticks share it (on the heap, one object). */
    private transient Long lastExpiry;

    /**
     * @param stateRetentionMillis how long a quiet symbol is remembered (its tick-rule price, its clock)
     * @param passOn which released ticks also go to {@link #RELEASED_TICKS}
     */
    public OrderAndDeduplicate(
            EventTimePolicy policy, long stateRetentionMillis, String sourceTopic, FilterFunction<Tick> passOn) {
        this.policy = policy;
        this.stateRetentionMillis = stateRetentionMillis;
        this.sourceTopic = sourceTopic;
        this.passOn = passOn;
    }

    @Override
    public void open(OpenContext openContext) {
        legacyState = getRuntimeContext().getState(new ValueStateDescriptor<>(LEGACY_STATE, TradeKeyState.class));
        scalars = getRuntimeContext().getState(new ValueStateDescriptor<>(SCALARS_STATE, TradeKeyScalars.class));
        pending = getRuntimeContext()
                .getListState(new ListStateDescriptor<>(PENDING_STATE, TypeInformation.of(Tick.class)));
        seen = getRuntimeContext().getMapState(new MapStateDescriptor<>(SEEN_STATE, Types.LONG, Types.LONG));
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        duplicates = metrics.counter("duplicates");
        lateAccepted = metrics.counter("lateTicksAccepted");
        lateDeadLettered = metrics.counter("lateTicksDeadLettered");
        outOfRange = metrics.counter("timestampOutOfRange");
        forgotten = metrics.counter("symbolsForgotten");
        lastWatermark = Long.MIN_VALUE;
        metrics.gauge("watermarkLagMillis", () -> {
            long wm = lastWatermark;
            return wm == Long.MIN_VALUE ? -1L : Math.max(0L, System.currentTimeMillis() - wm);
        });
    }

    @Override
    public void processElement(Tick tick, Context ctx, Collector<BarAccumulator> out) throws Exception {
        TradeKeyScalars s = scalars();
        if (s == null) {
            s = new TradeKeyScalars();
        }
        long ts = tick.tsMillis();
        long flinkWatermark = ctx.timerService().currentWatermark();
        if (flinkWatermark > lastWatermark) {
            lastWatermark = flinkWatermark;
        }
        s.frontier = Math.max(s.frontier, flinkWatermark);
        long watermark = Math.max(s.frontier, policy.keyWatermark(s.maxTimestamp));
        if (policy.tooFarAhead(ts, watermark)) {
            outOfRange.inc();
            ctx.output(
                    DeadLetters.TAG,
                    deadLetter(
                            tick,
                            RejectReason.TIMESTAMP_OUT_OF_RANGE,
                            "more than max-ahead-of-watermark ahead of watermark " + watermark));
            return;
        }
        // Flink purges a window when the watermark reaches end - 1 + lateness; match it exactly.
        long cleanupTime = policy.cleanupTime(ts);
        if (cleanupTime <= watermark) {
            lateDeadLettered.inc();
            ctx.output(
                    DeadLetters.TAG,
                    deadLetter(
                            tick,
                            RejectReason.LATE_BEYOND_ALLOWED_LATENESS,
                            "bar closed for good at watermark " + cleanupTime + ", watermark is " + watermark));
            return;
        }
        if (tick.seq != null) {
            if (tick.seq <= s.seqHigh && seen.contains(tick.seq)) {
                duplicates.inc();
                return;
            }
            s.seqHigh = Math.max(s.seqHigh, tick.seq);
            if (lastExpiry == null || lastExpiry != cleanupTime) {
                lastExpiry = cleanupTime;
            }
            seen.put(tick.seq, lastExpiry);
            s.seenCount++;
            s.seenMinExpiry = Math.min(s.seenMinExpiry, cleanupTime);
        }
        advanceSymbolClock(s, tick, ctx);
        if (cleanupTime != s.cleanupTimer) {
            ctx.timerService().registerEventTimeTimer(cleanupTime);
            s.cleanupTimer = cleanupTime;
        }
        if (s.pendingCount > 0 && s.pendingEarliest <= flinkWatermark) {
            // The symbol's own next tick releases what the watermark has passed: no timer per release.
            release(s, flinkWatermark, ctx, out);
        }
        if (ts > watermark) {
            // The release timer is at the end of the earliest pending tick's minute: whatever the
            // symbol's next ticks have not released by then goes into that minute's part in time.
            if (s.pendingCount == 0 || ts < s.pendingEarliest) {
                if (s.pendingCount == 0 || Minutes.start(ts) != Minutes.start(s.pendingEarliest)) {
                    ctx.timerService().registerEventTimeTimer(Minutes.lastMilli(Minutes.start(ts)));
                }
                s.pendingEarliest = ts;
            }
            addPending(s, tick);
        } else {
            lateAccepted.inc();
            tick.side = SideClassifier.sideOrQuoteRule(tick);
            if (s.openPart != null && sameMinute(s.openPart, tick)) {
                // Its minute is still open (the watermark has not passed its end): the window gets
                // it with the rest of the minute.
                BarAggregate.addTick(s.openPart, tick);
            } else {
                out.collect(BarAggregate.addTick(newPart(tick.symbol), tick));
            }
            passOn(tick, ctx);
        }
        scalars.update(s);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<BarAccumulator> out) throws Exception {
        long watermark = ctx.timerService().currentWatermark();
        lastWatermark = watermark;
        TradeKeyScalars s = scalars();
        if (s == null) {
            return; // forgotten, or nothing ever accepted: a leftover timer has nothing to do
        }
        s.frontier = Math.max(s.frontier, watermark);

        if (s.pendingCount > 0 && s.pendingEarliest <= watermark) {
            release(s, watermark, ctx, out);
        }
        if (s.pendingCount > 0) {
            ctx.timerService().registerEventTimeTimer(Minutes.lastMilli(Minutes.start(s.pendingEarliest)));
        }
        if (s.openPart != null && partEnd(s.openPart) <= watermark) {
            out.collect(s.openPart);
            s.openPart = null;
        }
        if (s.seenCount > 0 && s.seenMinExpiry <= watermark) {
            expireSeen(s, watermark);
        }
        if (s.pendingCount == 0
                && s.seenCount == 0
                && s.openPart == null
                && s.maxTimestamp != Long.MIN_VALUE
                && s.maxTimestamp + stateRetentionMillis <= watermark) {
            // Quiet for the whole retention: forget the symbol (a delisted or mistyped one must
            // not keep state forever). Its next trade starts afresh, unclassified by the tick rule.
            scalars.clear();
            pending.clear();
            seen.clear();
            forgotten.inc();
            return;
        }
        if (timestamp == s.forgetTimer) {
            s.forgetTimer = Long.MIN_VALUE;
        }
        if (s.pendingCount == 0
                && s.seenCount == 0
                && s.openPart == null
                && s.forgetTimer == Long.MIN_VALUE
                && s.maxTimestamp != Long.MIN_VALUE) {
            // At most one such timer per symbol: when it fires on an active symbol, it moves on.
            s.forgetTimer = saturatedAdd(s.maxTimestamp, stateRetentionMillis);
            ctx.timerService().registerEventTimeTimer(s.forgetTimer);
        }
        scalars.update(s);
    }

    /**
     * Releases, in (ts, seq) order, the pending ticks the watermark has passed, classifying each by
     * the tick rule against the previous one, and folds them into the open minute's part; emits
     * the part of each minute the release moves past. Keeps the others. The list was appended in
     * arrival order, mostly in time order already, so the sort is close to a single pass.
     */
    private void release(TradeKeyScalars s, long watermark, Context ctx, Collector<BarAccumulator> out)
            throws Exception {
        Tick[] ticks = pendingTicks(s);
        Arrays.sort(ticks, Tick::compareOrder);
        int n = 0;
        while (n < ticks.length && ticks[n].tsMillis() <= watermark) {
            n++;
        }
        for (int i = 0; i < n; i++) {
            Tick t = ticks[i];
            byte side = SideClassifier.sideOrQuoteRule(t);
            if (side == Tick.SIDE_UNKNOWN) {
                side = SideClassifier.tickRule(t.price, s.lastPrice, s.lastMove);
            }
            if (s.lastPrice != null) {
                int c = t.price.compareTo(s.lastPrice);
                if (c != 0) {
                    s.lastMove = c > 0 ? Tick.SIDE_BUY : Tick.SIDE_SELL;
                }
            }
            s.lastPrice = t.price;
            t.side = side;
            if (s.openPart != null && !sameMinute(s.openPart, t)) {
                // Released in order: the part's minute is over (the watermark is past it).
                out.collect(s.openPart);
                s.openPart = null;
            }
            if (s.openPart == null) {
                s.openPart = BarAggregate.addTick(newPart(t.symbol), t);
                if (partEnd(s.openPart) > watermark) {
                    ctx.timerService().registerEventTimeTimer(partEnd(s.openPart)); // its flush; once per minute
                }
            } else {
                BarAggregate.addTick(s.openPart, t);
            }
            passOn(t, ctx);
        }
        keepPending(s, ticks, n, ticks.length);
    }

    /** Adds a tick to the waiting ones: into the scalars while it is the only one, else the list. */
    private void addPending(TradeKeyScalars s, Tick tick) throws Exception {
        if (s.pendingCount == 0) {
            s.pendingOnly = tick;
        } else if (s.pendingOnly != null) {
            pending.update(Arrays.asList(s.pendingOnly, tick));
            s.pendingOnly = null;
        } else {
            pending.add(tick);
        }
        s.pendingCount++;
    }

    /** The pending ticks, in the list's order (a copy: the heap backend hands out its own list). */
    private Tick[] pendingTicks(TradeKeyScalars s) throws Exception {
        if (s.pendingOnly != null) {
            return new Tick[] {s.pendingOnly};
        }
        Iterable<Tick> held = pending.get();
        List<Tick> all = new ArrayList<>(s.pendingCount);
        if (held != null) {
            for (Tick t : held) {
                all.add(t);
            }
        }
        return all.toArray(new Tick[0]);
    }

    /** Replaces the pending ticks with {@code ticks[from, to)}, sorted. */
    private void keepPending(TradeKeyScalars s, Tick[] ticks, int from, int to) throws Exception {
        boolean inList = s.pendingOnly == null && s.pendingCount > 0;
        s.pendingCount = to - from;
        s.pendingOnly = s.pendingCount == 1 ? ticks[from] : null;
        s.pendingEarliest = s.pendingCount == 0 ? Long.MAX_VALUE : ticks[from].tsMillis();
        if (s.pendingCount > 1) {
            pending.update(Arrays.asList(ticks).subList(from, to));
        } else if (inList) {
            pending.clear();
        }
    }

    /** Forgets every seq whose bar can no longer change at {@code watermark}, in one pass. */
    private void expireSeen(TradeKeyScalars s, long watermark) throws Exception {
        int left = 0;
        long minExpiry = Long.MAX_VALUE;
        Iterator<Map.Entry<Long, Long>> it = seen.iterator();
        while (it.hasNext()) {
            long expiry = it.next().getValue();
            if (expiry <= watermark) {
                it.remove();
            } else {
                left++;
                minExpiry = Math.min(minExpiry, expiry);
            }
        }
        if (left == 0) {
            seen.clear(); // drops the empty map itself, not only its entries
        }
        s.seenCount = left;
        s.seenMinExpiry = minExpiry;
    }

    /**
     * The symbol's scalars, or null for a symbol with no state. A symbol restored from a 0.1.0
     * savepoint still has its single {@link TradeKeyState} value: it is moved into the new states
     * here, once, and cleared.
     */
    private TradeKeyScalars scalars() throws Exception {
        TradeKeyScalars s = scalars.value();
        if (s != null) {
            return s;
        }
        TradeKeyState old = legacyState.value();
        if (old == null) {
            return null;
        }
        s = TradeKeyScalars.of(old);
        if (old.pendingCount > 0) {
            pending.update(Arrays.asList(Arrays.copyOf(old.pending, old.pendingCount)));
        }
        for (int i = 0; i < old.seenCount; i++) {
            seen.put(old.seenSeq[i], old.seenExpiry[i]);
        }
        scalars.update(s);
        legacyState.clear();
        return s;
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    /**
     * Moves the symbol's clock by {@code tick} unless it jumped more than max-clock-jump ahead;
     * such a tick waits for the next one: ahead too confirms it, back near the old clock proves it
     * a bad clock, and it goes to the dead-letter output instead of into a bar minutes away.
     */
    private void advanceSymbolClock(TradeKeyScalars s, Tick tick, Context ctx) throws Exception {
        long ts = tick.tsMillis();
        if (ClockJumps.refutes(s.maxTimestamp, s.suspectTs, ts, policy.maxClockJumpMillis())) {
            Tick bad = removePending(s, s.suspectPartition, s.suspectOffset);
            if (bad != null) {
                outOfRange.inc();
                ctx.output(
                        DeadLetters.TAG,
                        deadLetter(
                                bad,
                                RejectReason.TIMESTAMP_OUT_OF_RANGE,
                                "jumped more than max-clock-jump ahead of the symbol's clock and the next tick did not follow"));
            }
        }
        long max = ClockJumps.advance(s.maxTimestamp, s.suspectTs, ts, policy.maxClockJumpMillis());
        s.suspectTs = ClockJumps.suspectAfter(max, ts, policy.maxClockJumpMillis());
        if (s.suspectTs != Long.MIN_VALUE) {
            s.suspectPartition = tick.partition;
            s.suspectOffset = tick.offset;
        }
        s.maxTimestamp = max;
    }

    /** Takes the pending tick at (partition, offset) out; null if it was already released. Rare: a refuted clock jump. */
    private Tick removePending(TradeKeyScalars s, int partition, long offset) throws Exception {
        if (s.pendingCount == 0) {
            return null;
        }
        Tick[] ticks = pendingTicks(s);
        Arrays.sort(ticks, Tick::compareOrder);
        for (int i = 0; i < ticks.length; i++) {
            Tick t = ticks[i];
            if (t.partition == partition && t.offset == offset) {
                System.arraycopy(ticks, i + 1, ticks, i, ticks.length - i - 1);
                keepPending(s, ticks, 0, ticks.length - 1);
                return t;
            }
        }
        return null;
    }

    /** A part for the window; its records carry the timer's timestamp, BarMinuteWindows reads the trades'. */
    private static BarAccumulator newPart(String symbol) {
        BarAccumulator part = new BarAccumulator();
        part.symbol = symbol;
        return part;
    }

    private static boolean sameMinute(BarAccumulator part, Tick t) {
        return Minutes.ofMicros(part.openTs) == Minutes.ofMicros(t.tsMicros);
    }

    /** The last millisecond of the part's minute: the window's own timer fires there too. */
    private static long partEnd(BarAccumulator part) {
        return Minutes.lastMilli(Minutes.start(Math.floorDiv(part.openTs, 1000L)));
    }

    private void passOn(Tick t, Context ctx) throws Exception {
        if (passOn != null && passOn.filter(t)) {
            ctx.output(RELEASED_TICKS, t);
        }
    }

    private DeadLetter deadLetter(Tick tick, RejectReason reason, String detail) {
        return DeadLetters.ofValidTick(tick, reason, detail, sourceTopic);
    }
}
