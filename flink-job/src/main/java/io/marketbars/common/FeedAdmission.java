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

    /** The verdict of {@link #admit}, and the records the key holds afterwards. */
    public record Admission<T>(boolean admitted, T[] held) {}

    private final EventTimePolicy policy;
    private final String sourceTopic;
    private final String what;

    private transient Counter lateDeadLettered;
    private transient Counter outOfRange;

    /** @param what the record in a dead letter's detail: "index value", "snapshot" */
    public FeedAdmission(EventTimePolicy policy, String sourceTopic, String what) {
        this.policy = policy;
        this.sourceTopic = sourceTopic;
        this.what = what;
    }

    /** Registers {@code <prefix>LateDeadLettered} and {@code <prefix>TimestampOutOfRange}. */
    public void open(MetricGroup metrics, String prefix) {
        lateDeadLettered = metrics.counter(prefix + "LateDeadLettered");
        outOfRange = metrics.counter(prefix + "TimestampOutOfRange");
    }

    /** Takes the suspect at (partition, offset) out of a key's records; returns it, or null if not held. */
    @FunctionalInterface
    public interface SuspectRemover<T> {
        T remove(int partition, long offset) throws Exception;
    }

    /**
     * Judges {@code r} against the key's records {@code held}; when admitted, advances {@code clock}
     * (first removing from {@code held} a suspect that {@code r} refutes, dead-lettered).
     */
    public <T extends FeedRecord> Admission<T> admit(
            T r, KeyClock clock, T[] held, long flinkWatermark, Consumer<DeadLetter> deadLetters) {
        Object[] box = {held};
        boolean admitted;
        try {
            admitted = admit(
                    r,
                    clock,
                    flinkWatermark,
                    (partition, offset) -> {
                        @SuppressWarnings("unchecked")
                        SortedRecords.Removed<T> removed = SortedRecords.remove((T[]) box[0], partition, offset);
                        box[0] = removed.records();
                        return removed.removed();
                    },
                    deadLetters);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e); // the array remover throws nothing
        }
        @SuppressWarnings("unchecked")
        T[] after = (T[]) box[0];
        return new Admission<>(admitted, after);
    }

    /**
     * Judges {@code r}; when admitted, advances {@code clock}, first taking out (through {@code
     * remover}) and dead-lettering a suspect that {@code r} refutes. For keys whose records are in
     * a map or list state rather than an array.
     */
    public <T extends FeedRecord> boolean admit(
            T r, KeyClock clock, long flinkWatermark, SuspectRemover<T> remover, Consumer<DeadLetter> deadLetters)
            throws Exception {
        long watermark = Math.max(flinkWatermark, policy.keyWatermark(clock.maxTimestamp));
        long ts = r.tsMillis();
        if (policy.tooFarAhead(ts, watermark)) {
            outOfRange.inc();
            deadLetters.accept(DeadLetters.ofValid(
                    r,
                    RejectReason.TIMESTAMP_OUT_OF_RANGE,
                    "more than max-ahead-of-watermark ahead of watermark " + watermark,
                    sourceTopic));
            return false;
        }
        long cleanup = policy.cleanupTime(ts);
        if (cleanup <= watermark) {
            lateDeadLettered.inc();
            deadLetters.accept(DeadLetters.ofValid(
                    r,
                    RejectReason.LATE_BEYOND_ALLOWED_LATENESS,
                    "minute closed for good at watermark " + cleanup + ", watermark is " + watermark,
                    sourceTopic));
            return false;
        }
        if (clock.refutedBy(r, policy.maxClockJumpMillis())) {
            T removed = remover.remove(clock.suspectPartition, clock.suspectOffset);
            if (removed != null) {
                outOfRange.inc();
                deadLetters.accept(DeadLetters.ofValid(
                        removed,
                        RejectReason.TIMESTAMP_OUT_OF_RANGE,
                        "jumped more than max-clock-jump ahead of its key's clock and the next " + what
                                + " did not follow",
                        sourceTopic));
            }
        }
        clock.advance(r, policy.maxClockJumpMillis());
        return true;
    }
}
