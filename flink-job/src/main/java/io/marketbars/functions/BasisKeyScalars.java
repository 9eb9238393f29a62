package io.marketbars.functions;

/**
 * The small per-index values of {@link io.marketbars.basis.AsOfBasis}, in one state value of
 * fixed size: the index's clock, the minutes already emitted and the index revision. The futures
 * trades (a list state, appended per trade) and the index values (a map state keyed by event time)
 * live in states of their own, so a record no longer copies and (de)serializes everything the key
 * holds. Replaces {@link BasisKeyState}.
 */
public class BasisKeyScalars {
    public KeyClock indexClock = new KeyClock();
    /** The latest timer that fired: minutes ending at or before it have been emitted. Survives restores. */
    public long closedThrough = Long.MIN_VALUE;
    /**
     * How many index values this key has admitted: a deterministic function of how far the index
     * feed has been read, so every basis version carries it as its index revision.
     */
    public long indexRevision;

    public BasisKeyScalars() {}

    /** The scalars of a 0.1.0 {@link BasisKeyState}; its arrays move to the list and map states. */
    public static BasisKeyScalars of(BasisKeyState old) {
        BasisKeyScalars s = new BasisKeyScalars();
        s.indexClock = old.indexClock != null ? old.indexClock : new KeyClock();
        s.closedThrough = old.closedThrough;
        s.indexRevision = old.indexRevision;
        return s;
    }
}
