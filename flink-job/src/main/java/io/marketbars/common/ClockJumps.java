package io.marketbars.common;

/**
 * The rule for event-time jumps, shared by the partition watermarks and the per-symbol clock: a
 * timestamp more than {@code maxJump} ahead of the newest one is a suspect. It moves the clock
 * only when the next timestamp is also ahead (a new session: the feed really moved on); when the
 * next one is back near the old clock, the suspect was a bad clock and never moved anything.
 */
public final class ClockJumps {
    private ClockJumps() {}

    /** The newest trusted timestamp after seeing {@code ts}, given the pending {@code suspect}. */
    public static long advance(long max, long suspect, long ts, long maxJump) {
        if (max == Long.MIN_VALUE) {
            return ts;
        }
        if (suspect != Long.MIN_VALUE && ts - max > maxJump) {
            max = Math.max(max, suspect); // confirmed by a second tick ahead
        }
        return ts - max > maxJump ? max : Math.max(max, ts);
    }

    /** The suspect after {@code ts} was applied with {@link #advance}: {@code ts} if it is one. */
    public static long suspectAfter(long maxAfter, long ts, long maxJump) {
        return maxAfter != Long.MIN_VALUE && ts - maxAfter > maxJump ? ts : Long.MIN_VALUE;
    }

    /** Whether {@code ts} shows that a pending suspect was a bad clock: it is back near the old one. */
    public static boolean refutes(long max, long suspect, long ts, long maxJump) {
        return suspect != Long.MIN_VALUE && max != Long.MIN_VALUE && ts - max <= maxJump;
    }
}
