package io.marketbars.functions;

import io.marketbars.records.IndexValue;
import io.marketbars.records.Tick;

/**
 * The 0.1.0 layout, kept only so 0.1.0 savepoints restore: {@link io.marketbars.basis.AsOfBasis} moves a restored
 * value into {@link BasisKeyScalars} and its list and map states the first time the index is touched. What it
 * kept per underlying index: the index's clock, its values and the futures
 * trades on it, each for as long as a late record may still change a bar (the allowed lateness
 * past the minute), plus the last index value before that as the as-of base.
 */
public class BasisKeyState {
    public KeyClock indexClock = new KeyClock();
    /** Time order, at most one value per instant. */
    public IndexValue[] index = new IndexValue[0];
    /** {@link Tick#compareOrder} order; contracts mixed. */
    public Tick[] trades = new Tick[0];
    /** The latest timer that fired: minutes ending at or before it have been emitted. Survives restores. */
    public long closedThrough = Long.MIN_VALUE;
    /**
     * How many index values this key has admitted: a deterministic function of how far the index
     * feed has been read, so every basis version carries it as its index revision. Added after
     * 0.1.0; Flink's POJO schema evolution restores older state with 0.
     */
    public long indexRevision;

    public BasisKeyState() {}

    public void addTrade(Tick t) {
        int i = trades.length;
        while (i > 0 && Tick.compareOrder(trades[i - 1], t) > 0) {
            i--;
        }
        Tick[] b = java.util.Arrays.copyOf(trades, trades.length + 1);
        System.arraycopy(trades, i, b, i + 1, trades.length - i);
        b[i] = t;
        trades = b;
    }
}
