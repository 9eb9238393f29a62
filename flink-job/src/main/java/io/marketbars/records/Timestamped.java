package io.marketbars.records;

/**
 * A record read from a Kafka partition: valid with an event time, or rejected. Watermarks need no
 * more: the event time, and where the record stood in its partition (how far the partition has
 * been read decides whether its watermark may follow the wall clock).
 */
public interface Timestamped {
    boolean isRejected();

    long tsMillis();

    /** The Kafka partition the record was read from. */
    int partition();

    /** The record's offset in its partition. */
    long offset();
}
