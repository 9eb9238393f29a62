package io.marketbars.common;

import io.marketbars.functions.KeyClock;
import io.marketbars.records.DeadLetter;
import io.marketbars.records.FeedRecord;
import io.marketbars.records.RejectReason;
import java.io.Serializable;
import java.util.function.Consumer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Whether a record of the index-values or foreign-flow feed may enter its key's state: the same
 * rules as for trades in {@link io.marketbars.ohlcv.OrderAndDeduplicate}. Too far ahead of the watermark, beyond the
 * allowed lateness (judged against the later of Flink's watermark and the key's own clock), or a
 * refuted clock jump: dead-lettered and counted. One instance per operator.
 */
public final class FeedAdmission implements Serializable {
    private static final long serialVersionUID = 1L;

    private final long boundMillis;
    private final long allowedLatenessMillis;
    private final long maxAheadMillis;
    private final long maxClockJumpMillis;
    private final String sourceTopic;
    private final String what;

    private transient Counter lateDeadLettered;
    private transient Counter outOfRange;

    /** @param what the record in a dead letter's detail: "index value", "snapshot" */
    public FeedAdmission(long boundMillis, long allowedLatenessMillis, long maxAheadMillis, long maxClockJumpMillis,
            String sourceTopic, String what) {
        this.boundMillis = boundMillis;
        this.allowedLatenessMillis = allowedLatenessMillis;
        this.maxAheadMillis = maxAheadMillis;
        this.maxClockJumpMillis = maxClockJumpMillis;
        this.sourceTopic = sourceTopic;
        this.what = what;
    }

    /** Registers {@code <prefix>LateDeadLettered} and {@code <prefix>TimestampOutOfRange}. */
    public void open(MetricGroup metrics, String prefix) {
        lateDeadLettered = metrics.counter(prefix + "LateDeadLettered");
        outOfRange = metrics.counter(prefix + "TimestampOutOfRange");
    }

    /**
     * Judges {@code r}; when admitted, advances {@code clock} (first removing a suspect that
     * {@code r} refutes from {@code held[0]}, dead-lettered).
     */
    public <T extends FeedRecord> boolean admit(T r, KeyClock clock, T[][] held, long flinkWatermark, Consumer<DeadLetter> deadLetters) {
        long watermark = Math.max(flinkWatermark, clock.watermark(boundMillis));
        long ts = r.tsMillis();
        if (watermark != Long.MIN_VALUE && ts - watermark > maxAheadMillis) {
            outOfRange.inc();
            deadLetters.accept(DeadLetters.ofValid(r, RejectReason.TIMESTAMP_OUT_OF_RANGE,
                    "more than max-ahead-of-watermark ahead of watermark " + watermark, sourceTopic));
            return false;
        }
        long cleanup = KeyClock.cleanupTime(ts, allowedLatenessMillis);
        if (cleanup <= watermark) {
            lateDeadLettered.inc();
            deadLetters.accept(DeadLetters.ofValid(r, RejectReason.LATE_BEYOND_ALLOWED_LATENESS,
                    "minute closed for good at watermark " + cleanup + ", watermark is " + watermark, sourceTopic));
            return false;
        }
        if (clock.refutedBy(r, maxClockJumpMillis)) {
            T bad = SortedRecords.remove(held, clock.suspectPartition, clock.suspectOffset);
            if (bad != null) {
                outOfRange.inc();
                deadLetters.accept(DeadLetters.ofValid(bad, RejectReason.TIMESTAMP_OUT_OF_RANGE,
                        "jumped more than max-clock-jump ahead of its key's clock and the next " + what
                                + " did not follow", sourceTopic));
            }
        }
        clock.advance(r, maxClockJumpMillis);
        return true;
    }
}
