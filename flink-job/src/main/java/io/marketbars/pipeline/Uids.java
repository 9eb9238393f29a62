package io.marketbars.pipeline;

/**
 * Operator uids: the keys savepoints map state by. They are a public contract: renaming one makes
 * a savepoint unable to restore that operator's state, so they live here and nowhere else.
 */
public final class Uids {
    public static final String TRADES_SOURCE = "kafka-trades-source";
    public static final String ROUTE_REJECTED = "route-rejected-trades";
    public static final String ORDER_AND_DEDUPLICATE = "order-and-deduplicate-trades";
    public static final String COMBINE_RUNS = "combine-runs-into-partial-bars";
    public static final String OHLCV_WINDOW = "ohlcv-1m-window";
    public static final String OHLCV_SINK = "ohlcv-1m-jdbc-sink";
    public static final String LATE_TO_DEAD_LETTER = "ohlcv-late-to-dead-letter";
    public static final String DEAD_LETTER_SINK = "dead-letter-kafka-sink";

    private Uids() {}
}
