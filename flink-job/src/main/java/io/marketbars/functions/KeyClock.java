package io.marketbars.functions;

import io.marketbars.common.ClockJumps;
import io.marketbars.records.FeedRecord;

/**
 * The event-time clock of one index or symbol of a non-trade feed: its newest trusted timestamp
 * and a pending clock-jump suspect, with the same rules as the trades' symbol clock (see
 * {@link ClockJumps}). Kept in keyed state, so lateness verdicts depend on the order of the key's
 * records in its partition, not on when periodic watermarks happened to be emitted.
 */
public class KeyClock {
    public long maxTimestamp = Long.MIN_VALUE;
    public long suspectTs = Long.MIN_VALUE;
    public int suspectPartition;
    public long suspectOffset;

    public KeyClock() {}

    /** Whether {@code r} shows the pending suspect to be a bad clock (it is back near the old clock). */
    public boolean refutedBy(FeedRecord r, long maxJumpMillis) {
        return ClockJumps.refutes(maxTimestamp, suspectTs, r.tsMillis(), maxJumpMillis);
    }

    public void advance(FeedRecord r, long maxJumpMillis) {
        long ts = r.tsMillis();
        long max = ClockJumps.advance(maxTimestamp, suspectTs, ts, maxJumpMillis);
        suspectTs = ClockJumps.suspectAfter(max, ts, maxJumpMillis);
        if (suspectTs != Long.MIN_VALUE) {
            suspectPartition = r.partition;
            suspectOffset = r.offset;
        }
        maxTimestamp = max;
    }
}
