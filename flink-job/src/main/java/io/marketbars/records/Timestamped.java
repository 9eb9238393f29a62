package io.marketbars.records;

/** A record read from a feed: valid with an event time, or rejected. Watermarks need no more. */
public interface Timestamped {
    boolean isRejected();

    long tsMillis();
}
