package io.marketbars.common;

/**
 * The one place for minute arithmetic: every output is a 1-minute bar, and a bucket, its last
 * millisecond (where event-time timers and windows fire) and its cleanup time must agree exactly
 * between the operators that judge lateness and the window that purges.
 */
public final class Minutes {
    public static final long MILLIS = 60_000L;
    public static final long MICROS = 60_000_000L;

    private Minutes() {}

    /** The start of the minute holding {@code tsMillis} (floor, also before 1970). */
    public static long start(long tsMillis) {
        return Math.floorDiv(tsMillis, MILLIS) * MILLIS;
    }

    /** The last millisecond of the minute starting at {@code bucketStartMillis}: when its timer fires. */
    public static long lastMilli(long bucketStartMillis) {
        return bucketStartMillis + MILLIS - 1;
    }

    /** Whether {@code timestamp} is the last millisecond of a minute (a minute-closing timer). */
    public static boolean isLastMilli(long timestamp) {
        return Math.floorMod(timestamp + 1, MILLIS) == 0;
    }

    /** The minute (count since the epoch) holding {@code tsMicros}. */
    public static long ofMicros(long tsMicros) {
        return Math.floorDiv(tsMicros, MICROS);
    }

    /**
     * The watermark at which the minute holding {@code tsMillis} is closed for good: Flink purges a
     * window when the watermark reaches its end - 1 + the allowed lateness.
     */
    public static long cleanupTime(long tsMillis, long allowedLatenessMillis) {
        return lastMilli(start(tsMillis)) + allowedLatenessMillis;
    }
}
