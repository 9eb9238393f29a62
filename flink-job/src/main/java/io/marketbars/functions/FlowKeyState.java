package io.marketbars.functions;

import io.marketbars.records.FlowSnapshot;

/**
 * What {@link io.marketbars.flow.ForeignFlow} keeps per symbol: its clock, the snapshots whose minute may still
 * change (time order, one per instant), and the fold of every snapshot before them.
 */
public class FlowKeyState {
    public KeyClock clock = new KeyClock();
    public FlowBase base = new FlowBase();
    public FlowSnapshot[] snapshots = new FlowSnapshot[0];
    /** The pending timer that forgets a symbol whose day is over; {@link Long#MIN_VALUE} if none. */
    public long forgetTimer = Long.MIN_VALUE;
    /** The latest timer that fired: minutes ending at or before it have been emitted. Survives restores. */
    public long closedThrough = Long.MIN_VALUE;
    /**
     * How many snapshots this symbol has admitted (duplicates and corrections included): a
     * deterministic function of how far its feed has been read, so every flow version carries it
     * as its revision. Added after 0.1.0; Flink's POJO schema evolution restores older state with 0.
     */
    public long snapshotRevision;

    public FlowKeyState() {}
}
