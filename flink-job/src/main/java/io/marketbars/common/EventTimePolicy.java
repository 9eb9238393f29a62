package io.marketbars.common;

import io.marketbars.config.JobOptions;
import java.io.Serializable;
import java.time.Duration;

/**
 * The event-time bounds every stage applies, as one value built once from the options: the
 * out-of-orderness bound, the allowed lateness, how far ahead of the watermark a record may be,
 * the clock jump that makes a timestamp a suspect, and the idle timeout of a quiet partition.
 *
 * <p>Also the rules the operators share: a key's own watermark, when a record is too far ahead,
 * and when its minute is closed for good. Operators keep it as a field, so it is Java-serialized
 * into the job graph (never into keyed state): changing its shape does not touch savepoints.
 */
public final class EventTimePolicy implements Serializable {
    private static final long serialVersionUID = 1L;

    private final long outOfOrdernessMillis;
    private final long allowedLatenessMillis;
    private final long maxAheadOfWatermarkMillis;
    private final long maxClockJumpMillis;
    private final long idleTimeoutMillis;

    public EventTimePolicy(
            Duration outOfOrderness,
            Duration allowedLateness,
            Duration maxAheadOfWatermark,
            Duration maxClockJump,
            Duration idleTimeout) {
        this.outOfOrdernessMillis = outOfOrderness.toMillis();
        this.allowedLatenessMillis = allowedLateness.toMillis();
        this.maxAheadOfWatermarkMillis = maxAheadOfWatermark.toMillis();
        this.maxClockJumpMillis = maxClockJump.toMillis();
        this.idleTimeoutMillis = idleTimeout.toMillis();
    }

    /** The policy the options describe (already validated by {@link JobOptions}). */
    public static EventTimePolicy of(JobOptions options) {
        return new EventTimePolicy(
                options.outOfOrderness,
                options.allowedLateness,
                options.maxAheadOfWatermark,
                options.maxClockJump,
                options.idleTimeout);
    }

    public long outOfOrdernessMillis() {
        return outOfOrdernessMillis;
    }

    public long allowedLatenessMillis() {
        return allowedLatenessMillis;
    }

    public long maxAheadOfWatermarkMillis() {
        return maxAheadOfWatermarkMillis;
    }

    public long maxClockJumpMillis() {
        return maxClockJumpMillis;
    }

    public long idleTimeoutMillis() {
        return idleTimeoutMillis;
    }

    public Duration outOfOrderness() {
        return Duration.ofMillis(outOfOrdernessMillis);
    }

    public Duration allowedLateness() {
        return Duration.ofMillis(allowedLatenessMillis);
    }

    public Duration maxClockJump() {
        return Duration.ofMillis(maxClockJumpMillis);
    }

    public Duration idleTimeout() {
        return Duration.ofMillis(idleTimeoutMillis);
    }

    /** A key's own watermark: its newest trusted timestamp minus the out-of-orderness bound. */
    public long keyWatermark(long newestTrustedMillis) {
        return newestTrustedMillis == Long.MIN_VALUE ? Long.MIN_VALUE : newestTrustedMillis - outOfOrdernessMillis - 1;
    }

    /** Whether a record at {@code tsMillis} is more than max-ahead-of-watermark ahead of {@code watermark}. */
    public boolean tooFarAhead(long tsMillis, long watermark) {
        return watermark != Long.MIN_VALUE && tsMillis - watermark > maxAheadOfWatermarkMillis;
    }

    /** When the minute holding {@code tsMillis} is closed for good (see {@link Minutes#cleanupTime}). */
    public long cleanupTime(long tsMillis) {
        return Minutes.cleanupTime(tsMillis, allowedLatenessMillis);
    }

    @Override
    public String toString() {
        return "EventTimePolicy{outOfOrderness=" + outOfOrdernessMillis + "ms, allowedLateness=" + allowedLatenessMillis
                + "ms, maxAheadOfWatermark=" + maxAheadOfWatermarkMillis + "ms, maxClockJump=" + maxClockJumpMillis
                + "ms, idleTimeout=" + idleTimeoutMillis + "ms}";
    }
}
