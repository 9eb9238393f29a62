package io.marketbars.records;

import io.marketbars.records.serialization.TickTypeInfo;
import java.math.BigDecimal;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * One trade as read from Kafka: either a valid tick or, when {@link #rejectReason} is set, a
 * record that failed validation and carries its original bytes to the dead-letter topic.
 *
 * <p>Valid and rejected records share one type so that the Kafka source can emit both from one
 * deserializer, which is where per-partition watermarks are generated. Flink serializes it with
 * the explicit {@link io.marketbars.records.serialization.TickSerializer} (no Kryo, no reflection).
 */
@TypeInfo(TickTypeInfo.Factory.class)
public class Tick implements Timestamped {
    /** Side values: {@code 0} unknown, {@code 1} buyer-initiated, {@code 2} seller-initiated. */
    public static final byte SIDE_UNKNOWN = 0;

    public static final byte SIDE_BUY = 1;
    public static final byte SIDE_SELL = 2;

    public String symbol;
    /** Event time in microseconds since the epoch (ISO inputs keep their microseconds). */
    public long tsMicros;

    public BigDecimal price;
    public BigDecimal qty;
    /** Per-symbol sequence number or numeric trade id; null when the feed has none. */
    public Long seq;
    /** Aggressor side as sent by the feed ({@link #SIDE_UNKNOWN} when absent). */
    public byte side;

    public BigDecimal bid;
    public BigDecimal ask;

    /** Where the tick came from: the arrival-order tie-break when there is no seq. */
    public int partition;

    public long offset;

    /** Null for a valid tick; a {@link RejectReason} name otherwise. */
    public String rejectReason;

    public String rejectDetail;
    /** Original record value; only kept for rejected records. */
    public byte[] raw;

    public byte[] rawKey;
    public long kafkaTimestamp;

    public Tick() {}

    @Override
    public long tsMillis() {
        return Math.floorDiv(tsMicros, 1000L);
    }

    @Override
    public int partition() {
        return partition;
    }

    @Override
    public long offset() {
        return offset;
    }

    @Override
    public boolean isRejected() {
        return rejectReason != null;
    }

    /**
     * Total order within a symbol: (ts, seq, partition, offset). A tick without seq sorts before
     * one with a seq at the same instant; without seqs, arrival order in the partition decides.
     */
    public static int compareOrder(Tick a, Tick b) {
        int c = Long.compare(a.tsMicros, b.tsMicros);
        if (c != 0) {
            return c;
        }
        long sa = a.seq == null ? Long.MIN_VALUE : a.seq;
        long sb = b.seq == null ? Long.MIN_VALUE : b.seq;
        c = Long.compare(sa, sb);
        if (c != 0) {
            return c;
        }
        c = Integer.compare(a.partition, b.partition);
        return c != 0 ? c : Long.compare(a.offset, b.offset);
    }

    @Override
    public String toString() {
        return isRejected()
                ? "Tick{rejected=" + rejectReason + ", partition=" + partition + ", offset=" + offset + "}"
                : "Tick{" + symbol + " ts=" + tsMicros + " p=" + price + " q=" + qty + " seq=" + seq + " side=" + side
                        + " @" + partition + "/" + offset + "}";
    }
}
