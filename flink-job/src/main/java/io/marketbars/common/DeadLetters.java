package io.marketbars.common;

import io.marketbars.functions.BarAccumulator;
import io.marketbars.records.DeadLetter;
import io.marketbars.records.FeedRecord;
import io.marketbars.records.RejectReason;
import io.marketbars.records.Tick;
import io.marketbars.records.Timestamped;
import io.marketbars.sources.TickJson;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.util.OutputTag;

/** The dead-letter side output shared by every operator that rejects records, and its records. */
public final class DeadLetters {
    public static final OutputTag<DeadLetter> TAG =
            new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    private DeadLetters() {}

    /** A record the parser rejected: its original key and bytes, untouched. */
    public static DeadLetter ofRejected(Tick rejected, String sourceTopic) {
        return of(
                rejected.rejectReason,
                rejected.rejectDetail,
                sourceTopic,
                rejected.partition,
                rejected.offset,
                rejected.kafkaTimestamp,
                rejected.rawKey,
                rejected.raw);
    }

    private static DeadLetter of(
            String reason,
            String detail,
            String sourceTopic,
            int partition,
            long offset,
            long timestamp,
            byte[] key,
            byte[] value) {
        DeadLetter d = new DeadLetter();
        d.reason = reason;
        d.detail = detail;
        d.sourceTopic = sourceTopic;
        d.sourcePartition = partition;
        d.sourceOffset = offset;
        d.sourceTimestamp = timestamp;
        d.key = key;
        d.value = value;
        return d;
    }

    /**
     * A partial bar that reached its window after the window was purged. {@link io.marketbars.ohlcv.OrderAndDeduplicate}
     * dead-letters late ticks before this can happen, so this is a safety net: it names the first
     * trade's coordinates, where the original record can be found.
     */
    public static DeadLetter ofLatePart(BarAccumulator part, String sourceTopic) {
        DeadLetter d = new DeadLetter();
        d.reason = RejectReason.LATE_BEYOND_ALLOWED_LATENESS.name();
        d.detail = part.tradeCount + " trade(s) arrived after their window was purged";
        d.sourceTopic = sourceTopic;
        d.sourcePartition = part.openPartition;
        d.sourceOffset = part.openOffset;
        d.key = part.symbol.getBytes(StandardCharsets.UTF_8);
        d.value = ("{\"symbol\":\"" + part.symbol + "\",\"first_trade_micros\":" + part.openTs + ",\"trades\":"
                        + part.tradeCount + "}")
                .getBytes(StandardCharsets.UTF_8);
        return d;
    }

    /**
     * A tick that parsed but cannot be used (late, out of range). Its canonical JSON stands in for
     * the original bytes, which remain at the source partition and offset the record names.
     */
    public static DeadLetter ofValidTick(Tick tick, RejectReason reason, String detail, String sourceTopic) {
        return of(
                reason.name(),
                detail,
                sourceTopic,
                tick.partition,
                tick.offset,
                tick.kafkaTimestamp,
                tick.symbol.getBytes(StandardCharsets.UTF_8),
                TickJson.write(tick));
    }

    /** Any record the parser rejected: its original key and bytes, untouched. */
    public static DeadLetter ofRejected(Timestamped rejected, String sourceTopic) {
        return rejected instanceof Tick t ? ofRejected(t, sourceTopic) : ofRejected((FeedRecord) rejected, sourceTopic);
    }

    /** An index value or foreign-flow snapshot the parser rejected: its original key and bytes. */
    public static DeadLetter ofRejected(FeedRecord rejected, String sourceTopic) {
        return of(
                rejected.rejectReason,
                rejected.rejectDetail,
                sourceTopic,
                rejected.partition,
                rejected.offset,
                rejected.kafkaTimestamp,
                rejected.rawKey,
                rejected.raw);
    }

    /** An index value or snapshot that parsed but cannot be used; its canonical JSON stands in. */
    public static DeadLetter ofValid(FeedRecord r, RejectReason reason, String detail, String sourceTopic) {
        return of(
                reason.name(),
                detail,
                sourceTopic,
                r.partition,
                r.offset,
                r.kafkaTimestamp,
                r.symbol.getBytes(StandardCharsets.UTF_8),
                TickJson.write(r));
    }
}
