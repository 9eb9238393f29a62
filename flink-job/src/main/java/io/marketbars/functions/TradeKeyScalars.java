package io.marketbars.functions;

import io.marketbars.records.Tick;
import java.math.BigDecimal;

/**
 * The small per-symbol values of {@link io.marketbars.ohlcv.OrderAndDeduplicate}, in one state
 * value of bounded size, so a tick reads and writes a few hundred bytes at most on RocksDB (the
 * open minute's partial bar included) however busy the symbol is. The growing parts live in their own states: the pending ticks in a list state
 * (appended per tick, sorted at release) and the seen sequence numbers in a map state (seq to
 * expiry). Replaces {@link TradeKeyState}, whose arrays were (de)serialized whole on every tick.
 *
 * <p>The watermark is kept in state because Flink does not checkpoint watermarks: after a restore
 * the operator would otherwise see Long.MIN_VALUE and accept ticks it had already dead-lettered as
 * late, which would rebuild a purged bar from a fraction of its trades.
 */
public class TradeKeyScalars {
    /** The highest watermark this symbol's ticks and timers have seen. */
    public long frontier = Long.MIN_VALUE;
    /** Newest trusted event time (ms) of this symbol; see {@link io.marketbars.common.ClockJumps}. */
    public long maxTimestamp = Long.MIN_VALUE;
    /** A tick that jumped ahead and is not confirmed yet (its ts, partition, offset), or MIN_VALUE. */
    public long suspectTs = Long.MIN_VALUE;

    public int suspectPartition;
    public long suspectOffset;
    /** The last in-order price, for the tick rule, and the direction of its last move. */
    public BigDecimal lastPrice;

    public byte lastMove;

    /** How many sequence numbers the seen map holds, and the earliest expiry among them. */
    public int seenCount;
    /**
     * The highest sequence number this symbol has had. The seen map holds none above it, so a
     * higher one (the usual case: exchanges number a symbol's trades upwards) skips the lookup.
     */
    public long seqHigh = Long.MIN_VALUE;

    public long seenMinExpiry = Long.MAX_VALUE;

    /** How many ticks wait for the watermark, and the earliest event time (ms) among them. */
    public int pendingCount;
    /**
     * The one waiting tick, kept here instead of in the list state while it is the only one (a
     * symbol that trades less often than the watermark moves), or null; when set, the list is empty.
     */
    public Tick pendingOnly;

    public long pendingEarliest = Long.MAX_VALUE;
    /** The cleanup timer last registered, so a run of ticks in one minute registers it once. */
    public long cleanupTimer = Long.MIN_VALUE;
    /** The one timer that forgets the symbol after a quiet retention period, or MIN_VALUE. */
    public long forgetTimer = Long.MIN_VALUE;
    /**
     * The released ticks of the minute the watermark is in, folded into one partial bar, or null.
     * It goes to the window when the watermark passes the minute's end, so the window sees one
     * part per symbol and minute however many releases fed it.
     */
    public BarAccumulator openPart;

    public TradeKeyScalars() {}

    /** The scalars of a 0.1.0 {@link TradeKeyState}; its arrays move to the list and map states. */
    public static TradeKeyScalars of(TradeKeyState old) {
        TradeKeyScalars s = new TradeKeyScalars();
        s.frontier = old.frontier;
        s.maxTimestamp = old.maxTimestamp;
        s.suspectTs = old.suspectTs;
        s.suspectPartition = old.suspectPartition;
        s.suspectOffset = old.suspectOffset;
        s.lastPrice = old.lastPrice;
        s.lastMove = old.lastMove;
        s.cleanupTimer = old.cleanupTimer;
        s.forgetTimer = old.forgetTimer;
        s.seenCount = old.seenCount;
        for (int i = 0; i < old.seenCount; i++) {
            s.seenMinExpiry = Math.min(s.seenMinExpiry, old.seenExpiry[i]);
            s.seqHigh = Math.max(s.seqHigh, old.seenSeq[i]);
        }
        s.pendingCount = old.pendingCount;
        if (old.pendingCount > 0) {
            s.pendingEarliest = old.pending[0].tsMillis();
        }
        return s;
    }
}
