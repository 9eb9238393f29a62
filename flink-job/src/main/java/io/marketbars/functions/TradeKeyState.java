package io.marketbars.functions;

import io.marketbars.records.Tick;
import java.math.BigDecimal;
import java.util.Arrays;

/**
 * The 0.1.0 layout, kept only so 0.1.0 savepoints restore: {@link io.marketbars.ohlcv.OrderAndDeduplicate} moves a
 * restored value into {@link TradeKeyScalars} and its list and map states the first time the symbol is touched.
 * What it remembered per symbol, in one state value (on RocksDB, (de)serialized whole on every tick): the ticks waiting for the watermark, the sequence numbers seen within the
 * lateness horizon (sorted primitive arrays: a few bytes per tick rather than a boxed map entry),
 * the last in-order price for the tick rule, its newest event time, and the highest watermark it
 * has acted on.
 *
 * <p>The watermark is kept in state because Flink does not checkpoint watermarks: after a restore
 * the operator would otherwise see Long.MIN_VALUE and accept ticks it had already dead-lettered as
 * late, which would rebuild a purged bar from a fraction of its trades.
 */
public class TradeKeyState {
    public long frontier = Long.MIN_VALUE;
    /** Newest trusted event time (ms) of this symbol; see {@link io.marketbars.common.ClockJumps}. */
    public long maxTimestamp = Long.MIN_VALUE;
    /** A tick that jumped ahead and is not confirmed yet (its ts, partition, offset), or MIN_VALUE. */
    public long suspectTs = Long.MIN_VALUE;

    public int suspectPartition;
    public long suspectOffset;
    public BigDecimal lastPrice;
    public byte lastMove;

    /** Seen sequence numbers, ascending, valid in [0, seenCount). */
    public long[] seenSeq = new long[0];
    /** For each seen seq: the watermark at which it can be forgotten (its bar's cleanup time). */
    public long[] seenExpiry = new long[0];

    public int seenCount;

    /** Ticks waiting for the watermark, sorted by {@link Tick#compareOrder}, valid in [0, pendingCount). */
    public Tick[] pending = new Tick[0];

    public int pendingCount;
    /** The cleanup timer last registered, so a run of ticks in one minute registers it once. */
    public long cleanupTimer = Long.MIN_VALUE;
    /** The one timer that forgets the symbol after a quiet retention period, or MIN_VALUE. */
    public long forgetTimer = Long.MIN_VALUE;

    public TradeKeyState() {}

    /** Inserts in order; feeds are mostly in order, so the scan from the end is short. */
    public void addPending(Tick t) {
        if (pendingCount == pending.length) {
            pending = Arrays.copyOf(pending, Math.max(4, pendingCount * 2));
        }
        int at = pendingCount;
        while (at > 0 && Tick.compareOrder(pending[at - 1], t) > 0) {
            at--;
        }
        System.arraycopy(pending, at, pending, at + 1, pendingCount - at);
        pending[at] = t;
        pendingCount++;
    }

    /** How many pending ticks, from the front, the watermark has passed. */
    public int releasable(long watermark) {
        int n = 0;
        while (n < pendingCount && pending[n].tsMillis() <= watermark) {
            n++;
        }
        return n;
    }

    /** Takes the pending tick at (partition, offset) out; null if it was already released. */
    public Tick removePending(int partition, long offset) {
        for (int i = 0; i < pendingCount; i++) {
            Tick t = pending[i];
            if (t.partition == partition && t.offset == offset) {
                System.arraycopy(pending, i + 1, pending, i, pendingCount - i - 1);
                pending[--pendingCount] = null;
                return t;
            }
        }
        return null;
    }

    public void dropPending(int n) {
        System.arraycopy(pending, n, pending, 0, pendingCount - n);
        Arrays.fill(pending, pendingCount - n, pendingCount, null);
        pendingCount -= n;
        if (pendingCount == 0 && pending.length > 64) {
            pending = new Tick[0];
        }
    }

    /** Records {@code seq}; returns false if it was already there. */
    public boolean markSeen(long seq, long expiry) {
        int i = Arrays.binarySearch(seenSeq, 0, seenCount, seq);
        if (i >= 0) {
            return false;
        }
        int at = -i - 1;
        if (seenCount == seenSeq.length) {
            int cap = Math.max(8, seenCount + (seenCount >> 1));
            seenSeq = Arrays.copyOf(seenSeq, cap);
            seenExpiry = Arrays.copyOf(seenExpiry, cap);
        }
        System.arraycopy(seenSeq, at, seenSeq, at + 1, seenCount - at);
        System.arraycopy(seenExpiry, at, seenExpiry, at + 1, seenCount - at);
        seenSeq[at] = seq;
        seenExpiry[at] = expiry;
        seenCount++;
        return true;
    }

    /** Forgets every seq whose bar can no longer change at {@code watermark}. */
    public void expireSeen(long watermark) {
        int w = 0;
        for (int r = 0; r < seenCount; r++) {
            if (seenExpiry[r] > watermark) {
                seenSeq[w] = seenSeq[r];
                seenExpiry[w] = seenExpiry[r];
                w++;
            }
        }
        seenCount = w;
        if (seenSeq.length > 64 && w < seenSeq.length / 4) {
            seenSeq = Arrays.copyOf(seenSeq, Math.max(8, w * 2));
            seenExpiry = Arrays.copyOf(seenExpiry, seenSeq.length);
        }
    }
}
