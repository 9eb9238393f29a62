package io.marketbars.records;

/**
 * What every record read from a non-trade feed (index values, foreign-flow snapshots) carries
 * besides its payload: where it came from, and, when it failed validation, why and its original
 * bytes, so one deserializer can emit both valid and rejected records (as {@link Tick} does).
 */
public class FeedRecord implements Timestamped {
    public String symbol;
    /** Event time in microseconds since the epoch. */
    public long tsMicros;

    public int partition;
    public long offset;
    public long kafkaTimestamp;

    /** Null for a valid record; a {@link RejectReason} name otherwise. */
    public String rejectReason;

    public String rejectDetail;
    /** Original key and value; only kept for rejected records. */
    public byte[] raw;

    public byte[] rawKey;

    public FeedRecord() {}

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

    /** Event-time order within one key: (ts, partition, offset); a later offset is a correction. */
    public static int compareOrder(FeedRecord a, FeedRecord b) {
        int c = Long.compare(a.tsMicros, b.tsMicros);
        if (c != 0) {
            return c;
        }
        c = Integer.compare(a.partition, b.partition);
        return c != 0 ? c : Long.compare(a.offset, b.offset);
    }
}
