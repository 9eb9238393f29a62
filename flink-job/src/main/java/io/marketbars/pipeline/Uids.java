package io.marketbars.pipeline;

/**
 * Operator uids: the keys savepoints map state by. They are a public contract: renaming one makes
 * a savepoint unable to restore that operator's state, so they live here and nowhere else.
 *
 * <p>Retired: {@code combine-runs-into-partial-bars} and {@code futures-trades-filter}, two
 * stateless operators (the ordering operator folds parts and passes futures trades on itself now).
 * A savepoint that names them holds no state for them, and Flink restores it without them.
 */
public final class Uids {
    public static final String TRADES_SOURCE = "kafka-trades-source";
    public static final String ROUTE_REJECTED = "route-rejected-trades";
    public static final String ORDER_AND_DEDUPLICATE = "order-and-deduplicate-trades";
    public static final String OHLCV_WINDOW = "ohlcv-1m-window";
    public static final String OHLCV_SINK = "ohlcv-1m-jdbc-sink";
    public static final String LATE_TO_DEAD_LETTER = "ohlcv-late-to-dead-letter";
    public static final String DEAD_LETTER_SINK = "dead-letter-kafka-sink";
    public static final String INDEX_SOURCE = "kafka-index-values-source";
    public static final String ROUTE_REJECTED_INDEX = "route-rejected-index-values";
    public static final String BASIS = "basis-1m-as-of-join";
    public static final String BASIS_SINK = "basis-1m-jdbc-sink";
    public static final String FLOW_SOURCE = "kafka-foreign-flow-source";
    public static final String ROUTE_REJECTED_FLOW = "route-rejected-foreign-flow";
    public static final String FOREIGN_FLOW = "foreign-flow-1m";
    public static final String FLOW_SINK = "foreign-flow-1m-jdbc-sink";

    private Uids() {}
}
