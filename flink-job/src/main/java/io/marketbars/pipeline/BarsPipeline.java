package io.marketbars.pipeline;

import io.marketbars.basis.AsOfBasis;
import io.marketbars.basis.FuturesContracts;
import io.marketbars.basis.ResolveFuturesAliases;
import io.marketbars.common.DeadLetters;
import io.marketbars.common.EventTimePolicy;
import io.marketbars.common.RouteRejected;
import io.marketbars.config.JobOptions;
import io.marketbars.flow.ForeignFlow;
import io.marketbars.functions.BarAccumulator;
import io.marketbars.ohlcv.BarAggregate;
import io.marketbars.ohlcv.BarMinuteWindows;
import io.marketbars.ohlcv.BarWindowFunction;
import io.marketbars.ohlcv.OrderAndDeduplicate;
import io.marketbars.records.Bar;
import io.marketbars.records.BasisBar;
import io.marketbars.records.DeadLetter;
import io.marketbars.records.FeedRecord;
import io.marketbars.records.FlowBar;
import io.marketbars.records.FlowSnapshot;
import io.marketbars.records.IndexValue;
import io.marketbars.records.Tick;
import io.marketbars.records.Timestamped;
import io.marketbars.sources.TickWatermarks;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.OutputTag;

/**
 * The job's data flow, top to bottom, in one place. {@code main} and the tests both call
 * {@link #define}; only the sources and sinks differ.
 *
 * <pre>
 * Kafka trades -> parse (in the source) -> watermarks per partition
 *   -> route rejected (futures aliases resolved) ---------------------> dead-letter topic
 *   -> keyBy symbol -> order + deduplicate -- late / out of range ----> dead-letter topic
 *   |   (released ticks folded into one partial bar per symbol and minute)
 *   |-> 1-minute event-time window (AggregateFunction + window function, allowed lateness)
 *   |   -> upsert ohlcv_1m (JDBC, batched, idempotent)
 *   |-> released futures trades -> keyBy underlying index --.
 * Kafka index values -> parse -> watermarks        |
 *   -> route rejected -> keyBy index -------------+-> as-of join + basis per contract and minute
 *                                                      -> upsert basis_1m
 * Kafka foreign flow -> parse -> watermarks -> route rejected
 *   -> keyBy symbol -> order, deltas (reset-safe, per trading day) per minute -> upsert foreign_flow_1m
 * </pre>
 *
 * <p>The index-values and foreign-flow branches exist when their sources do (options
 * {@code --index-topic none} and {@code --foreign-flow-topic none} leave them out).
 */
public final class BarsPipeline {

    /** Where ticks come from. */
    public interface Sources {
        Source<Tick, ?, ?> trades();

        /** Null when the job computes no basis. */
        default Source<IndexValue, ?, ?> indexValues() {
            return null;
        }

        /** Null when the job computes no foreign flow. */
        default Source<FlowSnapshot, ?, ?> foreignFlow() {
            return null;
        }
    }

    /** Where results go; tests wrap these to inject failures. */
    public interface Sinks {
        void bars(DataStream<Bar> bars);

        void deadLetters(DataStream<DeadLetter> deadLetters);

        default void basisBars(DataStream<BasisBar> bars) {
            throw new UnsupportedOperationException("an index-values source needs a basis sink");
        }

        default void flowBars(DataStream<FlowBar> bars) {
            throw new UnsupportedOperationException("a foreign-flow source needs a flow sink");
        }
    }

    /** Ticks the window itself found late; see {@link #define} for why this stays empty. */
    public static final OutputTag<BarAccumulator> LATE_FOR_WINDOW =
            new OutputTag<>("late-for-window", TypeInformation.of(BarAccumulator.class));

    private BarsPipeline() {}

    public static void define(StreamExecutionEnvironment env, Sources sources, Sinks sinks, JobOptions options) {
        EventTimePolicy policy = EventTimePolicy.of(options);
        SingleOutputStreamOperator<Tick> ticks = env.fromSource(
                        sources.trades(), BarsPipeline.<Tick>watermarks(policy, options), "Kafka trades")
                .uid(Uids.TRADES_SOURCE)
                .process(RouteRejected.trades(options.tradesTopic, new ResolveFuturesAliases(options.futures)))
                .returns(Tick.class)
                .uid(Uids.ROUTE_REJECTED)
                .name("Parse and validate");

        KeySelector<Tick, String> bySymbol = new BySymbol();
        SingleOutputStreamOperator<BarAccumulator> parts = ticks.keyBy(bySymbol)
                .process(new OrderAndDeduplicate(
                        policy,
                        options.symbolStateRetention.toMillis(),
                        options.tradesTopic,
                        new IsFutures(options.futures)))
                .uid(Uids.ORDER_AND_DEDUPLICATE)
                .name("Deduplicate and order");

        // Still partitioned by symbol: reinterpret instead of a second network shuffle.
        SingleOutputStreamOperator<Bar> bars =
                ohlcvBars(DataStreamUtils.reinterpretAsKeyedStream(parts, new PartSymbol()), policy.allowedLateness());

        sinks.bars(bars);

        // The window's own late output only fires if a tick slipped past the lateness check
        // upstream (it cannot by construction); it is wired so nothing could vanish silently.
        String topic = options.tradesTopic;
        DataStream<DeadLetter> deadLetters = ticks.getSideOutput(DeadLetters.TAG)
                .union(
                        parts.getSideOutput(DeadLetters.TAG),
                        bars.getSideOutput(LATE_FOR_WINDOW)
                                .map(part -> DeadLetters.ofLatePart(part, topic))
                                .returns(DeadLetter.class)
                                .uid(Uids.LATE_TO_DEAD_LETTER)
                                .name("Late at window to dead letter"));

        Source<IndexValue, ?, ?> indexSource = sources.indexValues();
        if (indexSource != null) {
            SingleOutputStreamOperator<IndexValue> index = parsedFeed(
                    env,
                    indexSource,
                    IndexValue.class,
                    options.indexTopic,
                    "Kafka index values",
                    Uids.INDEX_SOURCE,
                    Uids.ROUTE_REJECTED_INDEX,
                    "Parse and validate index values",
                    policy,
                    options);
            SingleOutputStreamOperator<BasisBar> basis = parts.getSideOutput(OrderAndDeduplicate.RELEASED_TICKS)
                    .keyBy(new UnderlyingIndex(options.futures))
                    .connect(index.keyBy(new FeedSymbol<IndexValue>()))
                    .process(new AsOfBasis(policy, options.futures, options.tradesTopic, options.indexTopic))
                    .uid(Uids.BASIS)
                    .name("Basis 1m (as-of join)");
            sinks.basisBars(basis);
            deadLetters = deadLetters.union(index.getSideOutput(DeadLetters.TAG), basis.getSideOutput(DeadLetters.TAG));
        }

        Source<FlowSnapshot, ?, ?> flowSource = sources.foreignFlow();
        if (flowSource != null) {
            SingleOutputStreamOperator<FlowSnapshot> snapshots = parsedFeed(
                    env,
                    flowSource,
                    FlowSnapshot.class,
                    options.foreignFlowTopic,
                    "Kafka foreign flow",
                    Uids.FLOW_SOURCE,
                    Uids.ROUTE_REJECTED_FLOW,
                    "Parse and validate foreign flow",
                    policy,
                    options);
            SingleOutputStreamOperator<FlowBar> flow = snapshots
                    .keyBy(new FeedSymbol<FlowSnapshot>())
                    .process(new ForeignFlow(policy, options.exchangeTimeZone, options.foreignFlowTopic))
                    .uid(Uids.FOREIGN_FLOW)
                    .name("Foreign flow 1m");
            sinks.flowBars(flow);
            deadLetters =
                    deadLetters.union(snapshots.getSideOutput(DeadLetters.TAG), flow.getSideOutput(DeadLetters.TAG));
        }

        sinks.deadLetters(deadLetters);
    }

    /** A feed's Kafka source with per-partition watermarks, its rejected records routed to the dead letters. */
    private static <T extends FeedRecord> SingleOutputStreamOperator<T> parsedFeed(
            StreamExecutionEnvironment env,
            Source<T, ?, ?> source,
            Class<T> type,
            String topic,
            String sourceName,
            String sourceUid,
            String routeUid,
            String routeName,
            EventTimePolicy policy,
            JobOptions options) {
        return env.fromSource(source, watermarks(policy, options), sourceName)
                .uid(sourceUid)
                .process(RouteRejected.<T>feed(topic))
                .returns(type)
                .uid(routeUid)
                .name(routeName);
    }

    private static <T extends Timestamped> WatermarkStrategy<T> watermarks(EventTimePolicy policy, JobOptions options) {
        return TickWatermarks.<T>strategy(policy, options.mode == JobOptions.Mode.LIVE);
    }

    /** The 1-minute OHLCV window; its late ticks go to {@link #LATE_FOR_WINDOW}. */
    public static SingleOutputStreamOperator<Bar> ohlcvBars(
            KeyedStream<BarAccumulator, String> parts, Duration allowedLateness) {
        return parts.window(new BarMinuteWindows())
                .allowedLateness(allowedLateness)
                .sideOutputLateData(LATE_FOR_WINDOW)
                .aggregate(new BarAggregate(), new BarWindowFunction())
                .uid(Uids.OHLCV_WINDOW)
                .name("OHLCV 1m");
    }

    /** The key of a partial bar: the same symbol, so the same key group, as its ticks. */
    public static final class PartSymbol implements KeySelector<BarAccumulator, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(BarAccumulator part) {
            return part.symbol;
        }
    }

    /** A named class, not a lambda, so the key selector's type is known without reflection tricks. */
    static final class BySymbol implements KeySelector<Tick, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(Tick t) {
            return t.symbol;
        }
    }

    /** Trades on a configured futures contract. */
    static final class IsFutures implements FilterFunction<Tick> {
        private static final long serialVersionUID = 1L;

        private final FuturesContracts futures;

        IsFutures(FuturesContracts futures) {
            this.futures = futures;
        }

        @Override
        public boolean filter(Tick t) {
            return futures.underlyingOf(t.symbol) != null;
        }
    }

    /** A futures trade's key: its underlying index, the key of the index values it joins. */
    static final class UnderlyingIndex implements KeySelector<Tick, String> {
        private static final long serialVersionUID = 1L;

        private final FuturesContracts futures;

        UnderlyingIndex(FuturesContracts futures) {
            this.futures = futures;
        }

        @Override
        public String getKey(Tick t) {
            return futures.underlyingOf(t.symbol);
        }
    }

    static final class FeedSymbol<T extends FeedRecord> implements KeySelector<T, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(T r) {
            return r.symbol;
        }
    }
}
