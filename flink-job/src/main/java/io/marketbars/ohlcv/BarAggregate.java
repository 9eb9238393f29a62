package io.marketbars.ohlcv;

import io.marketbars.functions.BarAccumulator;
import io.marketbars.records.Tick;
import org.apache.flink.api.common.functions.AggregateFunction;

/**
 * Incremental OHLCV aggregation: one accumulator per symbol and minute, updated in place, so a
 * window holds a few hundred bytes however many trades it sees. The window's inputs are partial
 * bars from {@link OrderAndDeduplicate} ({@link #addTick} builds them); every field is order-independent,
 * so parts can be merged in any order.
 */
public class BarAggregate implements AggregateFunction<BarAccumulator, BarAccumulator, BarAccumulator> {
    private static final long serialVersionUID = 1L;

    @Override
    public BarAccumulator createAccumulator() {
        return new BarAccumulator();
    }

    @Override
    public BarAccumulator add(BarAccumulator part, BarAccumulator acc) {
        return mergeInto(acc, part);
    }

    @Override
    public BarAccumulator getResult(BarAccumulator acc) {
        return acc;
    }

    @Override
    public BarAccumulator merge(BarAccumulator a, BarAccumulator b) {
        return mergeInto(a, b);
    }

    /** Adds one trade to {@code a}. */
    public static BarAccumulator addTick(BarAccumulator a, Tick t) {
        long seq = t.seq == null ? Long.MIN_VALUE : t.seq;
        if (a.tradeCount == 0
                || before(t.tsMicros, seq, t.partition, t.offset, a.openTs, a.openSeq, a.openPartition, a.openOffset)) {
            a.openTs = t.tsMicros;
            a.openSeq = seq;
            a.openPartition = t.partition;
            a.openOffset = t.offset;
            a.open = t.price;
        }
        if (a.tradeCount == 0
                || before(
                        a.closeTs,
                        a.closeSeq,
                        a.closePartition,
                        a.closeOffset,
                        t.tsMicros,
                        seq,
                        t.partition,
                        t.offset)) {
            a.closeTs = t.tsMicros;
            a.closeSeq = seq;
            a.closePartition = t.partition;
            a.closeOffset = t.offset;
            a.close = t.price;
        }
        if (a.high == null || t.price.compareTo(a.high) > 0) {
            a.high = t.price;
        }
        if (a.low == null || t.price.compareTo(a.low) < 0) {
            a.low = t.price;
        }
        a.volume = a.volume.add(t.qty);
        a.turnover = a.turnover.add(t.price.multiply(t.qty));
        if (t.side == Tick.SIDE_BUY) {
            a.buyVolume = a.buyVolume.add(t.qty);
        } else if (t.side == Tick.SIDE_SELL) {
            a.sellVolume = a.sellVolume.add(t.qty);
        }
        a.tradeCount++;
        return a;
    }

    /** Adds everything in {@code b} to {@code a} (which it returns); {@code b} is left untouched. */
    static BarAccumulator mergeInto(BarAccumulator a, BarAccumulator b) {
        if (b.tradeCount == 0) {
            return a;
        }
        if (a.tradeCount == 0
                || before(
                        b.openTs,
                        b.openSeq,
                        b.openPartition,
                        b.openOffset,
                        a.openTs,
                        a.openSeq,
                        a.openPartition,
                        a.openOffset)) {
            a.openTs = b.openTs;
            a.openSeq = b.openSeq;
            a.openPartition = b.openPartition;
            a.openOffset = b.openOffset;
            a.open = b.open;
        }
        if (a.tradeCount == 0
                || before(
                        a.closeTs,
                        a.closeSeq,
                        a.closePartition,
                        a.closeOffset,
                        b.closeTs,
                        b.closeSeq,
                        b.closePartition,
                        b.closeOffset)) {
            a.closeTs = b.closeTs;
            a.closeSeq = b.closeSeq;
            a.closePartition = b.closePartition;
            a.closeOffset = b.closeOffset;
            a.close = b.close;
        }
        a.high = a.high == null ? b.high : a.high.max(b.high);
        a.low = a.low == null ? b.low : a.low.min(b.low);
        a.volume = a.volume.add(b.volume);
        a.turnover = a.turnover.add(b.turnover);
        a.buyVolume = a.buyVolume.add(b.buyVolume);
        a.sellVolume = a.sellVolume.add(b.sellVolume);
        a.tradeCount += b.tradeCount;
        return a;
    }

    /** Strictly before in (ts, seq, partition, offset) order; must agree with Tick.compareOrder. */
    static boolean before(long ts1, long seq1, int p1, long o1, long ts2, long seq2, int p2, long o2) {
        if (ts1 != ts2) {
            return ts1 < ts2;
        }
        if (seq1 != seq2) {
            return seq1 < seq2;
        }
        if (p1 != p2) {
            return p1 < p2;
        }
        return o1 < o2;
    }
}
